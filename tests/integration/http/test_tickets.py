"""Support tickets over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.http.conftest import Account


async def open_ticket(api: AsyncTestClient[Any], account: Account, **body: Any) -> dict[str, Any]:
    payload = {"subject": "Form broken", "description": "The contact form fails.", **body}
    response = await api.post("/v1/tickets", json=payload, headers=account.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def used_tickets(usage: dict[str, Any]) -> int:
    return int(next(q["used"] for q in usage["quotas"] if q["resource"] == "support_tickets"))


class TestTickets:
    async def test_open_list_read_and_reply(self, api: AsyncTestClient[Any], alice: Account) -> None:
        ticket = await open_ticket(api, alice, priority="high")
        assert (ticket["status"], ticket["priority"], ticket["response_due_at"]) == ("open", "high", None)
        assert ticket["first_response_sla"] == "none"  # the free tier promises no first response time
        listed = (await api.get("/v1/tickets", headers=alice.headers)).json()
        assert [t["id"] for t in listed["items"]] == [ticket["id"]]
        reply = await api.post(
            f"/v1/tickets/{ticket['id']}/messages", json={"message": "Any news?"}, headers=alice.headers
        )
        assert reply.status_code == 201
        assert reply.json()["from_staff"] is False
        thread = (await api.get(f"/v1/tickets/{ticket['id']}", headers=alice.headers)).json()
        assert [m["message"] for m in thread["messages"]] == ["Any news?"]

    async def test_the_list_filters_by_status_and_priority(self, api: AsyncTestClient[Any], alice: Account) -> None:
        low = await open_ticket(api, alice, priority="low")
        await open_ticket(api, alice, priority="urgent")
        only_low = (await api.get("/v1/tickets?priority=low", headers=alice.headers)).json()["items"]
        assert [t["id"] for t in only_low] == [low["id"]]
        assert (await api.get("/v1/tickets?status=closed", headers=alice.headers)).json()["items"] == []
        assert (await api.get("/v1/tickets?status=lost", headers=alice.headers)).status_code == 400

    async def test_the_newest_ticket_comes_first_and_pages_do_not_overlap(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        opened = [(await open_ticket(api, alice, subject=f"Ticket {n}"))["id"] for n in range(5)]
        first = (await api.get("/v1/tickets?limit=3", headers=alice.headers)).json()
        rest = (await api.get(f"/v1/tickets?limit=3&cursor={first['next_cursor']}", headers=alice.headers)).json()
        assert [t["id"] for t in first["items"] + rest["items"]] == opened[::-1]
        assert rest["next_cursor"] is None

    async def test_the_monthly_quota_refuses_the_sixteenth_ticket_and_writes_nothing(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        for n in range(15):
            await open_ticket(api, alice, subject=f"Ticket {n}")
        refused = await api.post(
            "/v1/tickets", json={"subject": "One more", "description": "Please"}, headers=alice.headers
        )
        assert refused.status_code == 409
        assert (refused.json()["resource"], refused.json()["limit"], refused.json()["used"]) == (
            "support_tickets",
            15,
            15,
        )
        assert used_tickets((await api.get("/v1/usage", headers=alice.headers)).json()) == 15
        assert len((await api.get("/v1/tickets?limit=100", headers=alice.headers)).json()["items"]) == 15

    async def test_a_client_may_not_move_its_ticket_along_or_write_internal_notes(
        self, api: AsyncTestClient[Any], alice: Account
    ) -> None:
        ticket = await open_ticket(api, alice)
        moved = await api.post(
            f"/v1/tickets/{ticket['id']}/transitions", json={"to": "in_progress"}, headers=alice.headers
        )
        assert moved.status_code == 403
        note = await api.post(
            f"/v1/tickets/{ticket['id']}/messages", json={"message": "psst", "internal": True}, headers=alice.headers
        )
        assert note.status_code == 403
        thread = (await api.get(f"/v1/tickets/{ticket['id']}", headers=alice.headers)).json()
        assert (thread["ticket"]["status"], thread["messages"]) == ("open", [])

    @pytest.mark.parametrize(
        "body",
        [
            {"subject": "", "description": "x"},
            {"subject": "x", "description": ""},
            {"subject": "x" * 201, "description": "x"},
            {"subject": "x", "description": "x", "priority": "asap"},
            {"subject": "x", "description": "x", "status": "closed"},
            {"subject": "x", "description": "x", "client_id": "00000000-0000-0000-0000-000000000001"},
            {"subject": "x", "description": "x", "project_id": "not-a-uuid"},
            {"subject": "x", "description": "x", "project_id": "00000000-0000-0000-0000-000000000001"},
        ],
        ids=["subject", "description", "long", "priority", "status", "client_id", "bad project", "unknown project"],
    )
    async def test_bad_tickets_are_refused_without_spending_quota(
        self, api: AsyncTestClient[Any], alice: Account, body: dict[str, Any]
    ) -> None:
        response = await api.post("/v1/tickets", json=body, headers=alice.headers)
        assert 400 <= response.status_code < 500, response.text
        assert used_tickets((await api.get("/v1/usage", headers=alice.headers)).json()) == 0


class TestTicketIsolation:
    async def test_another_client_cannot_read_reply_to_or_move_a_ticket(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account
    ) -> None:
        ticket = await open_ticket(api, alice)
        path = f"/v1/tickets/{ticket['id']}"
        assert (await api.get(path, headers=bob.headers)).status_code == 404
        assert (await api.post(f"{path}/messages", json={"message": "hi"}, headers=bob.headers)).status_code == 404
        assert (await api.post(f"{path}/transitions", json={"to": "open"}, headers=bob.headers)).status_code == 404
        assert (await api.get("/v1/tickets", headers=bob.headers)).json()["items"] == []
        thread = (await api.get(path, headers=alice.headers)).json()
        assert (thread["ticket"]["status"], thread["messages"]) == ("open", [])

    async def test_a_ticket_cannot_point_at_another_clients_project(
        self, api: AsyncTestClient[Any], alice: Account, bob: Account
    ) -> None:
        project = (await api.post("/v1/projects", json={"name": "Alice site"}, headers=alice.headers)).json()
        response = await api.post(
            "/v1/tickets",
            json={"subject": "x", "description": "y", "project_id": project["id"]},
            headers=bob.headers,
        )
        assert response.status_code == 404
        assert used_tickets((await api.get("/v1/usage", headers=bob.headers)).json()) == 0
