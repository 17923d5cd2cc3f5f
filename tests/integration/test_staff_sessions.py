"""Staff sessions and sign-in limits against a real MongoDB-protocol server, time moved by hand.

The idle timeout ends a session nobody used for `idle`; use pushes it forward, but never past
the absolute end; closing one ends it. A TOTP code is accepted once. Failed sign-ins lock a
login for the window, then it may try again.
"""

from __future__ import annotations

from datetime import timedelta

import pyotp
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.clock import FrozenClock
from vssid_review.adapters.staff_credentials import CredentialStore
from vssid_review.adapters.staff_sessions import SessionStore
from vssid_review.adapters.staff_signin_limits import SignInLimits
from vssid_review.domain.staff_credentials import SignInPolicy, check_password, totp_step
from vssid_review.domain.staff_sessions import StaffSessionPolicy
from vssid_shared.crypto import Keys
from vssid_shared.mongo import Doc

IDLE = timedelta(minutes=30)


async def test_idle_sessions_end_and_use_keeps_them_alive(aware_db: AsyncDatabase[Doc]) -> None:
    clock = FrozenClock()
    store = SessionStore(aware_db, StaffSessionPolicy(idle=IDLE, lifetime=timedelta(hours=2)))
    await store.ensure_indexes()
    sid, opened = await store.open("op-1", clock())
    stored = await aware_db["staff_sessions"].find_one({})
    assert stored is not None
    assert sid not in str(stored)

    clock.now += IDLE - timedelta(minutes=1)
    assert await store.current(sid, clock()) == opened  # used: idle deadline moves on
    clock.now += IDLE - timedelta(minutes=1)
    assert await store.current(sid, clock()) == opened
    clock.now += IDLE + timedelta(seconds=1)
    assert await store.current(sid, clock()) is None  # idle too long

    sid2, _ = await store.open("op-1", clock())
    for _ in range(4):  # busy all the time, but the shift's absolute end still ends it
        clock.now += timedelta(minutes=25)
        assert await store.current(sid2, clock()) is not None
    clock.now += timedelta(minutes=25)
    assert await store.current(sid2, clock()) is None

    sid3, _ = await store.open("op-1", clock())
    await store.close(sid3)
    assert await store.current(sid3, clock()) is None
    assert await store.current("not-a-session", clock()) is None

    # A disabled operator's sessions all end at once; another operator's stay.
    mine = [(await store.open("op-9", clock()))[0] for _ in range(2)]
    theirs, _ = await store.open("op-8", clock())
    assert await store.close_all("op-9") == 2
    assert [await store.current(sid, clock()) for sid in mine] == [None, None]
    assert await store.current(theirs, clock()) is not None


async def test_totp_code_is_accepted_once(aware_db: AsyncDatabase[Doc]) -> None:
    credentials = CredentialStore(aware_db, Keys("test-secret").records)
    operator = {"_id": "op-2", "name": "A", "agency_code": "4802", "active": True}
    await aware_db["operators"].insert_one(operator)
    assert not await credentials.login_taken("a.4802")
    enrolment = await credentials.enrol("op-2", "a.4802")
    assert await credentials.login_taken("a.4802")
    stored = await aware_db["operators"].find_one({"_id": "op-2"})
    assert enrolment.totp_secret not in str(stored)
    assert enrolment.password not in str(stored)
    doc = await credentials.by_login("a.4802")
    assert doc is not None
    assert doc.operator.id == "op-2"
    assert check_password(doc.password_hash, enrolment.password)
    assert not check_password(doc.password_hash, enrolment.password + "x")
    assert not check_password(None, enrolment.password)

    clock = FrozenClock()
    secret = credentials.totp_secret(doc)
    assert secret == enrolment.totp_secret
    code = pyotp.TOTP(secret).at(clock())
    step = totp_step(secret, code, clock(), doc.totp_last_step)
    assert step is not None
    assert await credentials.use_step("op-2", step)
    assert not await credentials.use_step("op-2", step)  # a concurrent second use loses
    doc = await credentials.by_login("a.4802")
    assert doc is not None
    assert totp_step(secret, code, clock(), doc.totp_last_step) is None
    assert totp_step(secret, "12345", clock(), None) is None
    later = clock() + timedelta(seconds=30)
    assert totp_step(secret, pyotp.TOTP(secret).at(later), later, doc.totp_last_step) == step + 1


async def test_failed_sign_ins_lock_for_the_window(aware_db: AsyncDatabase[Doc]) -> None:
    clock = FrozenClock()
    policy = SignInPolicy(max_failures=3, client_max_failures=5, window=timedelta(minutes=15))
    limits = SignInLimits(aware_db, Keys("k").lookup, policy)
    await limits.ensure_indexes()
    for _ in range(3):
        assert await limits.retry_after("b.4802", "10.0.0.1", clock()) is None
        await limits.failed("b.4802", "10.0.0.1", clock())
        clock.now += timedelta(minutes=1)
    wait = await limits.retry_after("b.4802", "10.0.0.2", clock())
    assert wait == 12 * 60  # the login is locked from any address until its oldest failure ages
    assert await limits.retry_after("c.4802", "10.0.0.2", clock()) is None
    # The address has 3 failures of its 5 across logins: 2 more on other logins lock it.
    for login in ("d.4802", "e.4802"):
        await limits.failed(login, "10.0.0.1", clock())
    assert await limits.retry_after("f.4802", "10.0.0.1", clock()) is not None
    clock.now += timedelta(minutes=16)
    assert await limits.retry_after("b.4802", "10.0.0.1", clock()) is None
    await limits.succeeded("b.4802")
