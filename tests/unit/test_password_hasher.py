"""Argon2 hashing runs off the event loop, a bounded number at a time, with a stand-in for unknown accounts."""

from __future__ import annotations

import asyncio
import threading
import time

from argon2 import PasswordHasher

from arco_adapters.security.passwords import Argon2PasswordHasher


class WatchedArgon2(PasswordHasher):
    """Cheap argon2 that notes which thread hashes and how many hash at once."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.threads: set[int] = set()
        self.running = 0
        self.most_at_once = 0
        self.verifications = 0
        self._lock = threading.Lock()

    def _watch(self) -> None:
        with self._lock:
            self.threads.add(threading.get_ident())
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.02)
        with self._lock:
            self.running -= 1

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._watch()
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verifications += 1
        self._watch()
        return super().verify(hash, password)


class TestArgon2PasswordHasher:
    async def test_hashing_and_verifying_never_run_on_the_event_loops_thread(self) -> None:
        argon2 = WatchedArgon2()
        hasher = await Argon2PasswordHasher.start(argon2, threads=2)
        stored = await hasher.hash("a sound passphrase")
        assert await hasher.verify(stored, "a sound passphrase")
        assert not await hasher.verify(stored, "another one")
        assert threading.get_ident() not in argon2.threads
        hasher.close()

    async def test_a_burst_of_checks_runs_at_most_the_pool_size_at_once(self) -> None:
        argon2 = WatchedArgon2()
        hasher = await Argon2PasswordHasher.start(argon2, threads=2)
        await asyncio.gather(*(hasher.verify(None, f"guess {n}") for n in range(12)))
        assert argon2.most_at_once == 2
        hasher.close()

    async def test_the_event_loop_keeps_turning_while_a_burst_is_hashed(self) -> None:
        hasher = await Argon2PasswordHasher.start(WatchedArgon2(), threads=2)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(tick())
        await asyncio.gather(*(hasher.verify(None, f"guess {n}") for n in range(10)))
        ticker.cancel()
        # Ten checks of 20 ms each, two at a time: on the loop's thread they would have left no room to tick.
        assert ticks > 10
        hasher.close()

    async def test_an_account_without_a_hash_never_matches_yet_costs_a_real_check(self) -> None:
        argon2 = WatchedArgon2()
        hasher = await Argon2PasswordHasher.start(argon2, threads=1)
        assert not await hasher.verify(None, "anything at all")
        assert argon2.verifications == 1
        assert not await hasher.verify("not-a-hash", "anything at all")
        hasher.close()
