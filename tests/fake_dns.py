"""A resolver for `OutboundGuard` in tests: answers from a table, so no test ever asks real DNS."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from ipaddress import ip_address

from arco_adapters.outbound import IPAddress


class FakeResolver:
    """Answers each host from `answers` (host → addresses), or with `otherwise` for any other host; a host with
    no answer does not resolve, as with the system's resolver. Every question is recorded in `asked`."""

    def __init__(self, answers: Mapping[str, Sequence[str]] | None = None, *, otherwise: Sequence[str] = ()) -> None:
        self.answers = {host: [ip_address(a) for a in addresses] for host, addresses in (answers or {}).items()}
        self.otherwise = [ip_address(a) for a in otherwise]
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        self.asked.append(host)
        addresses = self.answers.get(host, self.otherwise)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return addresses
