"""Arbitrary JSON at the body of every POST, PUT and PATCH route the app has (found by walking its routes, so a
new route is fuzzed without being listed here): any JSON value, and bodies that name the schema's fields but
fill them with wrong types, huge numbers and huge or odd strings. No answer is ever a 5xx.

Bounded: a fixed number of examples per route and strategy (about 15 s for the whole app)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from tests.integration.http.conftest import Account, Staff

EXAMPLES_PER_ROUTE = 15

SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)
"""Any JSON value, nested."""

HOSTILE = st.one_of(
    st.sampled_from(
        [
            10**40,
            -(10**40),
            2**63,
            -(2**63) - 1,
            2**31,
            1e308,
            -1e308,
            5e-324,
            "",
            " ",
            "\x00",
            "nul\x00inside",
            "\ud7ff\ue000\U0010ffff",
            "x" * 100_000,
            "\U0001f600" * 5_000,
            "1e20",
            "1e-20",
            "NaN",
            "-Infinity",
            "0.001",
            "999999999999999999999.99",
            "2026-02-30",
            "9999-12-31T23:59:59Z",
            "00000000-0000-0000-0000-000000000000",
            "' OR 1=1 --",
            "../../etc/passwd",
            "https://127.0.0.1/",
            True,
            [],
            {},
            [None] * 1_000,
        ]
    ),
    st.integers(),
    st.text(max_size=300),
    JSON,
)
"""Values of the wrong type, out of any range, or odd, for a named field."""


@dataclass(frozen=True)
class BodyRoute:
    method: str
    path: str
    body: Any
    """The type of the route's `data` parameter."""


def body_routes(app: Litestar) -> Iterator[BodyRoute]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data") if isinstance(handler, HTTPRouteHandler) else None
            for method in sorted(handler.http_methods & {"POST", "PUT", "PATCH"}):
                if data is not None:
                    yield BodyRoute(method, route.path, data.annotation)


def fields_of(body: Any) -> tuple[list[str], list[str]]:
    """The required and the optional JSON names of a struct body's fields (none for another body type)."""
    info = msgspec.inspect.type_info(body)
    if not isinstance(info, msgspec.inspect.StructType):
        return [], []
    return (
        [field.encode_name for field in info.fields if field.required],
        [field.encode_name for field in info.fields if not field.required],
    )


def hostile_bodies(body: Any) -> st.SearchStrategy[Any]:
    required, optional = fields_of(body)
    return st.fixed_dictionaries({name: HOSTILE for name in required}, optional={name: HOSTILE for name in optional})


def concrete(path: str, known: dict[str, str]) -> str:
    """The path with its parameters filled: ids of objects that exist where known, made-up ones elsewhere."""
    return re.sub(r"\{(\w+):(\w+)\}", lambda match: known.get(match[1], str(uuid4())), path)


async def test_no_body_on_any_route_yields_a_server_error(
    api: AsyncTestClient[Any], alice: Account, staff: Staff
) -> None:
    # Unlimited quotas, so that bodies the schema accepts reach the database rather than a quota refusal.
    upgraded = await api.patch(
        f"/v1/admin/clients/{alice.client_id}", json={"tier": "enterprise"}, headers=staff.headers
    )
    assert upgraded.status_code == 200, upgraded.text
    project = await api.post("/v1/projects", json={"name": "Site"}, headers=alice.headers)
    ticket = await api.post("/v1/tickets", json={"subject": "Help", "description": "It broke"}, headers=alice.headers)
    known = {"client_id": alice.client_id, "project_id": project.json()["id"], "ticket_id": ticket.json()["id"]}
    loop = asyncio.get_running_loop()
    answered: dict[int, int] = {}

    def send(route: BodyRoute, body: Any) -> None:
        headers = staff.headers if route.path.startswith("/v1/admin/") else alice.headers
        request = api.request(route.method, concrete(route.path, known), json=body, headers=headers)
        status = asyncio.run_coroutine_threadsafe(request, loop).result().status_code
        answered[status] = answered.get(status, 0) + 1
        assert status < 500, (route.method, route.path, body if len(repr(body)) < 2_000 else repr(body)[:2_000])

    def fuzz() -> None:
        # Hypothesis drives a blocking function; the app answers on the test's own loop meanwhile.
        for route in body_routes(api.app):
            for bodies in (JSON, hostile_bodies(route.body)):

                @settings(
                    max_examples=EXAMPLES_PER_ROUTE,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                    database=None,
                )
                @given(body=bodies)
                def never_a_server_error(body: Any) -> None:
                    send(route, body)  # noqa: B023 - called at once, within this iteration

                never_a_server_error()

    routes = list(body_routes(api.app))
    assert {("POST", "/v1/projects"), ("PATCH", "/v1/admin/clients/{client_id:uuid}")} <= {
        (route.method, route.path) for route in routes
    }
    await asyncio.to_thread(fuzz)
    # Bodies were refused as malformed (400) and as breaking a rule (422), and some were accepted.
    assert {400, 422} <= set(answered) and any(status < 300 for status in answered), answered
