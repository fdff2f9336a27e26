"""The reconciliation rule: what ARCO adopts from the DNS provider's records and what it only reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from arco_domain.ids import ClientId, DnsRecordId, DomainId
from arco_domain.model.dns import (
    DnsRecord,
    DnsRecordType,
    ProviderDnsRecord,
    Reconciliation,
    provider_holds,
    reconcile,
)

ZONE = "example.com"
CLIENT, DOMAIN = ClientId(uuid4()), DomainId(uuid4())
AT = datetime(2026, 12, 1, tzinfo=UTC)


def ours(
    name: str, content: str, provider_id: str | None, type: DnsRecordType = DnsRecordType.A, ttl: int = 1
) -> DnsRecord:
    return DnsRecord(
        id=DnsRecordId(uuid4()), client_id=CLIENT, domain_id=DOMAIN, type=type, name=name, content=content, ttl=ttl,
        priority=None, proxied=False, created_at=AT, provider_record_id=provider_id,
    )  # fmt: skip


def theirs(provider_id: str, name: str, content: str, type: str = "A", ttl: int = 1) -> ProviderDnsRecord:
    return ProviderDnsRecord(provider_id, type, name, content, ttl, None, False)


def adopts_nothing(plan: Reconciliation) -> bool:
    return (plan.link, plan.adopt_new, plan.adopt_changed) == ((), (), ())


class TestReconcile:
    def test_records_that_agree_need_nothing(self) -> None:
        plan = reconcile(ZONE, [ours("www", "192.0.2.1", "p1")], [theirs("p1", "www.example.com", "192.0.2.1")])
        assert adopts_nothing(plan)
        assert (plan.missing, plan.unmanageable) == ((), ())

    def test_a_record_added_at_the_provider_is_adopted(self) -> None:
        plan = reconcile(ZONE, [], [theirs("p9", "api.example.com", "192.0.2.9")])
        [(remote, spec)] = plan.adopt_new
        assert (remote.provider_id, spec.name, spec.content) == ("p9", "api", "192.0.2.9")

    def test_a_record_edited_at_the_provider_is_adopted_in_its_new_form(self) -> None:
        record = ours("www", "192.0.2.1", "p1")
        plan = reconcile(ZONE, [record], [theirs("p1", "www.example.com", "192.0.2.2", ttl=300)])
        [(changed, spec, provider_id)] = plan.adopt_changed
        assert (changed.id, spec.content, spec.ttl, provider_id) == (record.id, "192.0.2.2", 300, "p1")

    def test_a_record_deleted_at_the_provider_is_reported_never_deleted(self) -> None:
        record = ours("www", "192.0.2.1", "p1")
        plan = reconcile(ZONE, [record], [])
        assert plan.missing == (record,)
        assert adopts_nothing(plan)

    def test_a_record_arco_cannot_hold_is_reported_with_the_reason(self) -> None:
        plan = reconcile(ZONE, [], [theirs("p5", "example.com", "host.example.net", type="HTTPS")])
        [(remote, reason)] = plan.unmanageable
        assert remote.provider_id == "p5" and "HTTPS" in reason
        assert plan.adopt_new == ()

    def test_a_record_edited_at_the_provider_into_a_form_arco_cannot_hold_is_reported_once(self) -> None:
        record = ours("www", "192.0.2.1", "p1")
        plan = reconcile(ZONE, [record], [theirs("p1", "www.example.com", "not an address")])
        assert plan.missing == () and [remote.provider_id for remote, _ in plan.unmanageable] == ["p1"]

    def test_an_unlinked_record_is_linked_to_its_identical_twin_at_the_provider(self) -> None:
        record = ours("www", "192.0.2.1", None)
        plan = reconcile(ZONE, [record], [theirs("p1", "www.example.com", "192.0.2.1")])
        assert plan.link == ((record, "p1"),)
        assert plan.adopt_new == ()

    def test_an_unlinked_record_held_with_another_ttl_is_linked_by_adopting_the_providers_form(self) -> None:
        record = ours("www", "192.0.2.1", None)
        plan = reconcile(ZONE, [record], [theirs("p1", "www.example.com", "192.0.2.1", ttl=600)])
        assert plan.link == ()
        [(changed, spec, provider_id)] = plan.adopt_changed
        assert (changed.id, spec.ttl, provider_id) == (record.id, 600, "p1")

    def test_provider_holds_compares_type_name_and_content(self) -> None:
        record = ours("www", "192.0.2.1", None)
        held = [theirs("p1", "www.example.com", "192.0.2.1", ttl=600), theirs("p2", "x.example.com", "bad", "PTR")]
        assert provider_holds(ZONE, held, record.spec())
        assert not provider_holds(ZONE, held, replace(record, name="api").spec())


labels = st.sampled_from(["@", "www", "api", "mail", "shop"])
addresses = st.integers(1, 20).map(lambda n: f"192.0.2.{n}")
provider_ids = st.integers(1, 30).map(lambda n: f"p{n}")


@st.composite
def sides(draw: st.DrawFn) -> tuple[list[DnsRecord], list[ProviderDnsRecord]]:
    remote = draw(
        st.lists(st.tuples(provider_ids, labels, addresses), max_size=8, unique_by=lambda r: (r[0],)).map(
            lambda rows: list({(label, address): (pid, label, address) for pid, label, address in rows}.values())
        )
    )
    held = [theirs(pid, ZONE if label == "@" else f"{label}.{ZONE}", address) for pid, label, address in remote]
    local = draw(
        st.lists(
            st.tuples(labels, addresses, st.one_of(st.none(), provider_ids)), max_size=8, unique_by=lambda r: r[:2]
        )
    )
    return [ours(label, address, pid) for label, address, pid in local], held


def applied(zone: str, records: list[DnsRecord], held: list[ProviderDnsRecord]) -> list[DnsRecord]:
    plan = reconcile(zone, records, held)
    result = {r.id: r for r in records}
    for record, provider_id in plan.link:
        result[record.id] = record.with_spec(record.spec(), provider_id)
    for record, spec, provider_id in plan.adopt_changed:
        result[record.id] = record.with_spec(spec, provider_id)
    for remote, spec in plan.adopt_new:
        new = ours(spec.name, spec.content, remote.provider_id)
        result[new.id] = new
    return list(result.values())


class TestReconcileProperties:
    @given(sides())
    def test_nothing_of_arcos_is_ever_dropped(self, both: tuple[list[DnsRecord], list[ProviderDnsRecord]]) -> None:
        records, held = both
        assert {r.id for r in records} <= {r.id for r in applied(ZONE, records, held)}

    @given(sides())
    def test_a_second_reconciliation_adopts_nothing_more(
        self, both: tuple[list[DnsRecord], list[ProviderDnsRecord]]
    ) -> None:
        records, held = both
        once = applied(ZONE, records, held)
        again = reconcile(ZONE, once, held)
        assert adopts_nothing(again)

    @given(sides())
    def test_every_provider_record_ends_up_linked_to_exactly_one_of_arcos(
        self, both: tuple[list[DnsRecord], list[ProviderDnsRecord]]
    ) -> None:
        records, held = both
        linked = [r.provider_record_id for r in applied(ZONE, records, held) if r.provider_record_id]
        assert {h.provider_id for h in held} <= set(linked)
