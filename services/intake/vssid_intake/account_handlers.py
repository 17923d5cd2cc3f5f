"""Account use cases: activation on `verified`, login, and the first password change."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from vssid_intake.accounts import account_key
from vssid_intake.adapters.accounts import AccountStore
from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.errors import IntakeError
from vssid_intake.passwords import (
    hash_password,
    new_initial_password,
    password_problem,
    verify_password,
)
from vssid_intake.statuses import Status
from vssid_shared.clock import Clock
from vssid_shared.crypto import Keys, new_token, token_hash
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.messaging import InvalidMessageError
from vssid_shared.outbox import OutboxRelay
from vssid_shared.subjects import Event

SOURCE = "vssid/intake"


@cache
def _unknown_account_hash() -> str:
    """A hash no password matches, verified for unknown accounts to spend the same time."""
    return hash_password(new_token())


class LoginFailedError(IntakeError):
    status = 401
    code = "invalid_credentials"
    message = "Tài khoản hoặc mật khẩu không đúng, hoặc tài khoản chưa được kích hoạt."


class LockedOutError(IntakeError):
    status = 429
    code = "too_many_attempts"
    message = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút."


class WeakPasswordError(IntakeError):
    status = 422
    code = "weak_password"


class CaseNotOpenedError(Exception):
    """`verified` for a declaration intake has not yet seen opened for review: retried."""


def check_activation_allowed(doc: dict[str, Any], event: CloudEvent) -> None:
    """Defense in depth: activate only what intake itself saw review open for verification.

    A `verified` event alone is not enough, whoever could publish it: intake's own copy must
    be awaiting verification (or verified) and belong to the event's agency. Still `submitted`
    may be a race with intake's own `awaiting_verification` consumer: retried, then dead
    letters. A draft, a rejected or an expired declaration is never activated.
    """
    if doc.get("agency_code") != event.agency:
        raise InvalidMessageError("verified event for another agency's declaration")
    status = doc.get("status")
    if status == Status.SUBMITTED:
        raise CaseNotOpenedError("verified before intake saw the case opened for review")
    if status not in (Status.AWAITING_VERIFICATION, Status.VERIFIED):
        raise InvalidMessageError(f"verified event for a declaration in status {status!r}")


@dataclass
class Accounts:
    store: AccountStore
    declarations: DeclarationStore
    keys: Keys
    relay: OutboxRelay
    clock: Clock
    max_failures: int
    lockout: timedelta

    async def on_verified(self, event: CloudEvent) -> None:
        """Create or re-key the account; the password leaves sealed, for the notifier only."""
        doc = await self.declarations.get(event.subject)
        if doc is None:
            raise LookupError("verified event for an unknown declaration")  # retried, then DLQ
        check_activation_allowed(doc, event)
        fields = self.declarations.open_fields(doc)
        password = new_initial_password()
        secret = {"password": password, "phone": fields["phone"]}
        activated = new_event(
            Event.ACCOUNT_ACTIVATED,
            source=SOURCE,
            declaration_id=event.subject,
            agency_code=event.agency,
            data={
                "reference": doc.get("reference"),
                "sealed": self.keys.passwords.seal_json(secret, event.subject),
            },
            correlation_id=event.correlationid,
        )
        digest = await asyncio.to_thread(hash_password, password)
        sin = fields["social_insurance_number"]
        if await self.store.activate(sin, event.subject, digest, activated, self.clock()):
            self.relay.kick()

    async def authenticate(self, account: str, password: str) -> str:
        """The account's key after a correct password; counts failures and locks out.

        An unknown account costs the same argon2 verification and is counted and locked out
        like a real one: neither the status codes nor the time taken tell whether it exists.
        """
        sin = account_key(account)
        if sin is None:
            raise LoginFailedError  # not even shaped like a login id: nothing to hide
        login_key = self.keys.lookup(f"login:{sin}")
        now = self.clock()
        if await self.store.recent_failures(login_key, now - self.lockout) >= self.max_failures:
            raise LockedOutError
        doc = await self.store.get(sin)
        stored = doc["password_hash"] if doc is not None else _unknown_account_hash()
        if not await asyncio.to_thread(verify_password, stored, password) or doc is None:
            await self.store.record_failure(login_key, now, self.lockout)
            raise LoginFailedError
        await self.store.clear_failures(login_key)
        return sin

    async def login(self, account: str, password: str) -> tuple[str, bool]:
        sin = await self.authenticate(account, password)
        token = new_token()
        await self.store.record_success(sin, token_hash(token), self.clock())
        doc = await self.store.get(sin)
        return token, bool(doc and doc.get("must_change_password"))

    async def change_password(self, account: str, password: str, new_password: str) -> None:
        sin = await self.authenticate(account, password)
        if problem := password_problem(new_password, password):
            raise WeakPasswordError(problem)
        digest = await asyncio.to_thread(hash_password, new_password)
        await self.store.set_password(sin, digest, self.clock())
