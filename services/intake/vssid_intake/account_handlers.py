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
from vssid_intake.sin_checks import SinChecks
from vssid_shared.clock import Clock
from vssid_shared.crypto import Keys, new_token, token_hash
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.mongo import Doc
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


@dataclass
class Accounts:
    store: AccountStore
    declarations: DeclarationStore
    keys: Keys
    relay: OutboxRelay
    clock: Clock
    max_failures: int
    lockout: timedelta
    checks: SinChecks

    async def on_verified(self, event: CloudEvent) -> None:
        """Create the account; an existing one is re-keyed only on an explicit re-issue.

        Defense in depth against takeover by re-registering: review refuses a plain verify when
        it knows of an active account, but an account can become active between submit and
        verify; here, at activation time, a plain `verified` never replaces an active account's
        password: the account is held and review is told (`account_held`).
        """
        doc = await self.declarations.get(event.subject)
        if doc is None:
            raise LookupError("verified event for an unknown declaration")  # retried, then DLQ
        fields = self.declarations.open_fields(doc)
        sin = fields["social_insurance_number"]
        existing = await self.store.get(sin)
        if existing is not None and existing.get("activated_by") != event.subject:
            if event.data.get("reissue_password"):
                await self._reissue(event, doc, sin, existing)
            else:
                await self._hold(event, doc, "account_active")
            return
        if await self._activate(event, doc, sin, fields["phone"]):
            return
        current = await self.store.get(sin)  # lost a race to another declaration's activation
        if current is not None and current.get("activated_by") != event.subject:
            await self._hold(event, doc, "account_active")

    def _password_event(self, event: CloudEvent, doc: Doc, secret: dict[str, Any]) -> CloudEvent:
        """`account_activated`: the password leaves sealed, for the notifier only."""
        return new_event(
            Event.ACCOUNT_ACTIVATED,
            source=SOURCE,
            declaration_id=event.subject,
            agency_code=event.agency,
            data={
                "reference": doc.get("reference"),
                "reissued": bool(secret.get("reissued")),
                "agency": event.data.get("agency"),  # from `verified`: the notifier's mails
                "sealed": self.keys.passwords.seal_json(secret, event.subject),
            },
            correlation_id=event.correlationid,
        )

    async def _activate(self, event: CloudEvent, doc: Doc, sin: str, phone: str) -> bool:
        password = new_initial_password()
        activated = self._password_event(event, doc, {"password": password, "phone": phone})
        digest = await asyncio.to_thread(hash_password, password)
        if await self.store.activate(sin, event.subject, digest, activated, self.clock()):
            self.relay.kick()
            return True
        return False

    async def _reissue(self, event: CloudEvent, doc: Doc, sin: str, existing: Doc) -> None:
        """The clerk's audited re-issue: the new password goes to the OWNER's registered phone
        (never the new declaration's), and the owner's e-mail is told."""
        owner = await self.checks.owner(existing)
        if owner is None or not owner.phone:
            await self._hold(event, doc, "owner_contact_unknown")
            return
        password = new_initial_password()
        secret = {
            "password": password,
            "phone": owner.phone,
            "reissued": True,
            "email": owner.email,
            "full_name": owner.full_name,
            "social_insurance_number": sin,
        }
        activated = self._password_event(event, doc, secret)
        digest = await asyncio.to_thread(hash_password, password)
        now = self.clock()
        if await self.store.reissue(
            sin, event.subject, owner.declaration_id, digest, activated, now
        ):
            self.relay.kick()

    async def _hold(self, event: CloudEvent, doc: Doc, reason: str) -> None:
        held = new_event(
            Event.ACCOUNT_HELD,
            source=SOURCE,
            declaration_id=event.subject,
            agency_code=event.agency,
            data={"reference": doc.get("reference"), "reason": reason},
            correlation_id=event.correlationid,
        )
        if await self.declarations.hold_account(event.subject, held):
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
