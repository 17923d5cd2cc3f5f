"""A clock the test moves by hand, for use cases and stores that take an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime

START = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)


class FrozenClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
