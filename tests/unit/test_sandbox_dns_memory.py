from __future__ import annotations

import pytest

from arco_adapters.memory.sandbox_dns import MemorySandboxDnsStore
from tests.contracts.sandbox_dns import SandboxDnsContract


class TestMemorySandboxDns(SandboxDnsContract):
    @pytest.fixture
    def store(self) -> MemorySandboxDnsStore:
        return MemorySandboxDnsStore()
