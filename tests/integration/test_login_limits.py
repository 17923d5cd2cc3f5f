"""Login limits and sessions on real MongoDB: reservations are atomic, refunds and expiry exact."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.clock import START, FrozenClock
from vssid_intake.adapters.login_limits import LoginLimits
from vssid_intake.adapters.sessions import SessionStore
from vssid_intake.domain.errors import TooManyLoginsError
from vssid_intake.domain.login_policy import LoginPolicy, SessionPolicy
from vssid_shared.crypto import Keys
from vssid_shared.mongo import Doc

KEYS = Keys("x" * 40)
POLICY = LoginPolicy(
    client_max_failures=8,
    client_window=timedelta(minutes=10),
    max_failures=3,
    lockout=timedelta(minutes=15),
    account_max_failures=5,
    account_window=timedelta(minutes=2),
)


@pytest.fixture
def db(aware_db: AsyncDatabase[Doc]) -> AsyncDatabase[Doc]:
    return aware_db


async def outcome(limits: LoginLimits, login_id: str, client: str) -> str:
    try:
        await limits.reserve(login_id, client)
    except TooManyLoginsError:
        return "refused"
    return "reserved"


async def test_concurrent_guesses_reserve_at_most_the_limit(db: AsyncDatabase[Doc]) -> None:
    replicas = [LoginLimits(db["login_limits"], KEYS.lookup, FrozenClock(), POLICY) for _ in "ab"]
    await replicas[0].ensure_indexes()
    answers = await asyncio.gather(
        *(outcome(replicas[i % 2], "4890012345", "10.0.0.1") for i in range(30))
    )
    assert answers.count("reserved") == POLICY.max_failures


async def test_the_hard_lock_is_per_address_and_the_soft_one_short(
    db: AsyncDatabase[Doc],
) -> None:
    clock = FrozenClock()
    limits = LoginLimits(db["login_limits"], KEYS.lookup, clock, POLICY)
    for _ in range(3):
        await limits.reserve("4890012345", "10.0.0.1")
    assert await outcome(limits, "4890012345", "10.0.0.1") == "refused"
    # Another address still has its own guesses, until the account-wide limit (5) is reached.
    assert await outcome(limits, "4890012345", "10.0.0.2") == "reserved"
    assert await outcome(limits, "4890012345", "10.0.0.3") == "reserved"
    assert await outcome(limits, "4890012345", "10.0.0.4") == "refused"  # soft lock
    with pytest.raises(TooManyLoginsError) as refused:
        await limits.reserve("4890012345", "10.0.0.4")
    assert 0 < refused.value.retry_after <= 120
    clock.now += POLICY.account_window
    owner = await limits.reserve("4890012345", "10.0.0.4")  # minutes later: the owner is in
    await limits.succeeded(owner)
    assert await outcome(limits, "4890012345", "10.0.0.1") == "refused"  # still hard-locked


async def test_one_address_trying_many_accounts_is_stopped(db: AsyncDatabase[Doc]) -> None:
    limits = LoginLimits(db["login_limits"], KEYS.lookup, FrozenClock(), POLICY)
    answers = [await outcome(limits, f"48900000{n:02d}", "10.0.0.9") for n in range(12)]
    assert answers == ["reserved"] * 8 + ["refused"] * 4


async def test_refused_and_refunded_checks_cost_no_guess(db: AsyncDatabase[Doc]) -> None:
    limits = LoginLimits(db["login_limits"], KEYS.lookup, FrozenClock(), POLICY)
    for _ in range(3):
        await limits.refund(await limits.reserve("4890012345", "10.0.0.1"))
    for _ in range(10):  # a locked pair refuses without spending the address's budget
        await outcome(limits, "4890054321", "10.0.0.1")
    assert [await outcome(limits, "4890012345", "10.0.0.1") for _ in range(4)] == [
        "reserved",
        "reserved",
        "reserved",
        "refused",
    ]


async def test_sessions_expire_idle_and_absolute_and_are_revoked(db: AsyncDatabase[Doc]) -> None:
    clock = FrozenClock()
    store = SessionStore(db, SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=2)))
    await store.ensure_indexes()
    await store.open("t-idle", "acct", clock.now)
    await store.open("t-busy", "acct", clock.now)
    await store.open("t-other", "acct2", clock.now)
    for _ in range(4):  # used every 29 minutes: alive, idle deadline moving
        clock.now += timedelta(minutes=29)
        assert await store.touch("t-busy", clock.now) is not None
    assert await store.touch("t-idle", clock.now) is None  # idle for 116 minutes
    clock.now = START + timedelta(hours=2)
    assert await store.touch("t-busy", clock.now) is None  # the absolute deadline holds
    clock.now = START + timedelta(minutes=10)
    assert await store.touch("t-other", clock.now) is not None
    assert await store.revoke_all("acct2") == 1
    assert await store.touch("t-other", clock.now) is None
