"""What ARCO's record rules accept, Cloudflare's API takes: hypothesis-generated records, validated by the
domain, turned into Cloudflare request bodies and checked against the API's documented field rules; and what
ARCO sends comes back, as Cloudflare renders it, as the same record (or reconciliation would see drift)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from hypothesis import given, reject
from hypothesis import strategies as st

from arco_adapters.cloudflare.provider import provider_record, record_payload
from arco_domain.errors import ValidationError
from arco_domain.model.dns import DnsRecordSpec, validate_dns_record

ZONE = "example.com.br"
HOSTNAME_LABEL = re.compile(r"(\*|_?[a-z0-9]([a-z0-9-]*[a-z0-9])?)")

labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
names = st.one_of(
    st.just("@"),
    st.lists(labels, min_size=1, max_size=3).map(".".join),
    st.lists(labels, min_size=1, max_size=2).map(lambda parts: "*." + ".".join(parts)),
    st.lists(labels, min_size=1, max_size=2).map(lambda parts: ".".join(parts) + f".{ZONE}."),
    st.sampled_from(["Loja", "café", "ÁREA.Clientes"]),
)
hostnames = st.lists(labels, min_size=2, max_size=4).map(".".join)
ttls = st.one_of(st.just(1), st.integers(60, 86_400), st.integers(0, 100_000))
uint16 = st.integers(0, 65_535)
contents = {
    "A": st.ip_addresses(v=4).map(str),
    "AAAA": st.ip_addresses(v=6).map(str),
    "CNAME": hostnames,
    "MX": hostnames,
    "NS": hostnames,
    "TXT": st.text(min_size=0, max_size=2100),
    "CAA": st.builds(
        lambda flags, tag, value: f'{flags} {tag} "{value}"',
        st.integers(0, 300),
        st.sampled_from(["issue", "issuewild", "iodef", "other"]),
        st.one_of(hostnames, st.just("mailto:security@example.com"), st.text(max_size=20)),
    ),
    "SRV": st.builds(lambda w, p, t: f"{w} {p} {t}", uint16, uint16, hostnames),
}


@st.composite
def accepted_records(draw: st.DrawFn) -> DnsRecordSpec:
    record_type = draw(st.sampled_from(sorted(contents)))
    name = draw(
        st.builds(lambda service, rest: f"_{service}._tcp{rest}", labels, st.just(""))
        if record_type == "SRV"
        else names
    )
    priority = draw(uint16 if record_type in {"MX", "SRV"} else st.none())
    try:
        return validate_dns_record(
            ZONE, record_type, name, draw(contents[record_type]), draw(ttls), priority, draw(st.booleans())
        )
    except ValidationError:
        reject()


def check_cloudflare_shape(body: dict[str, Any]) -> None:
    """The field rules of Cloudflare's DNS record create/update request, as its API reference states them."""
    assert body["type"] in {"A", "AAAA", "CNAME", "MX", "TXT", "NS", "CAA", "SRV"}
    name: str = body["name"]
    assert len(name) <= 255 and (name == ZONE or name.endswith("." + ZONE))
    assert all(len(label) <= 63 and HOSTNAME_LABEL.fullmatch(label) for label in name.split("."))
    assert body["ttl"] == 1 or 60 <= body["ttl"] <= 86_400
    assert ("proxied" in body) == (body["type"] in {"A", "AAAA", "CNAME"})
    match body["type"]:
        case "A":
            ipaddress.IPv4Address(body["content"])
        case "AAAA":
            ipaddress.IPv6Address(body["content"])
        case "MX":
            assert 0 <= body["priority"] <= 65_535 and "." in body["content"]
        case "TXT":
            assert 1 <= len(body["content"]) <= 2048
        case "SRV":
            data = body["data"]
            assert all(0 <= data[key] <= 65_535 for key in ("priority", "weight", "port"))
            assert "." in data["target"] and "content" not in body
        case "CAA":
            data = body["data"]
            assert 0 <= data["flags"] <= 255 and data["tag"] in {"issue", "issuewild", "iodef"}
            assert isinstance(data["value"], str) and "content" not in body


def as_cloudflare_renders(body: dict[str, Any]) -> dict[str, Any]:
    rendered = {**body, "id": "372e67954025e0ba6aaa6d586b9e0b59", "proxied": body.get("proxied", False)}
    if body["type"] == "SRV":
        data = body["data"]
        rendered |= {"priority": data["priority"], "content": f"{data['weight']}\t{data['port']}\t{data['target']}"}
    elif body["type"] == "CAA":
        data = body["data"]
        rendered["content"] = f'{data["flags"]} {data["tag"]} "{data["value"]}"'
    return rendered


class TestCloudflareRecordShape:
    @given(accepted_records())
    def test_every_record_arco_accepts_is_a_request_cloudflare_takes(self, spec: DnsRecordSpec) -> None:
        check_cloudflare_shape(record_payload(spec, ZONE))

    @given(accepted_records())
    def test_every_record_arco_sends_reads_back_as_itself(self, spec: DnsRecordSpec) -> None:
        echoed = provider_record(as_cloudflare_renders(record_payload(spec, ZONE)))
        assert echoed.spec_in(ZONE) == spec
