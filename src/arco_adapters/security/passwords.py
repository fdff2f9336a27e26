"""Argon2id password hashing (argon2-cffi, with its RFC 9106 low-memory defaults), off the event loop.

One argon2id hash takes about a third of a second of CPU. Run on the event loop, a burst of logins would
stall every other request of the process; so each hash runs in a small thread pool of its own (argon2-cffi
releases the GIL while hashing), and a semaphore bounds how many wait for it, so a flood of logins queues
here instead of piling work onto the pool.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    """`PasswordHasher` on argon2id. Build it with `start()`, which computes the stand-in hash for unknown accounts."""

    def __init__(self, argon2: _Argon2 | None = None, *, threads: int | None = None, dummy_hash: str) -> None:
        self._argon2 = argon2 or _Argon2()
        workers = threads or min(4, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._slots = asyncio.Semaphore(workers)
        self._dummy_hash = dummy_hash

    @classmethod
    async def start(cls, argon2: _Argon2 | None = None, *, threads: int | None = None) -> Argon2PasswordHasher:
        argon2 = argon2 or _Argon2()
        # A random password nobody knows: verifying against it costs what a real verification costs.
        dummy_hash = await asyncio.to_thread(argon2.hash, secrets.token_urlsafe(24))
        return cls(argon2, threads=threads, dummy_hash=dummy_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._argon2.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        async with self._slots:
            matches = await asyncio.get_running_loop().run_in_executor(
                self._pool, self._matches, password_hash or self._dummy_hash, password
            )
        return matches and password_hash is not None

    def _matches(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
