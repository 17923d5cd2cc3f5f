"""Account use cases: activation on `verified`, login, sessions and the first password change."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from vssid_intake.accounts import account_key
from vssid_intake.adapters.accounts import AccountStore
from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.adapters.sessions import SessionStore
from vssid_intake.errors import IntakeError
from vssid_intake.hashing import HashingBusyError, HashingGate
from vssid_intake.login_limits import LoginLimits
from vssid_intake.password_strength import Person, weakness
from vssid_intake.passwords import (
    hash_password,
    new_initial_password,
    password_problem,
    verify_password,
)
from vssid_intake.sin_checks import SinChecks
from vssid_intake.statuses import Status
from vssid_shared.clock import Clock
from vssid_shared.contracts import AccountActivated, AccountHeld, AgencyCard
from vssid_shared.crypto import Keys, new_token, token_hash
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.messaging import InvalidMessageError
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


class SessionExpiredError(IntakeError):
    status = 401
    code = "session_expired"
    message = "Phiên đăng nhập đã hết hạn hoặc đã bị thu hồi. Vui lòng đăng nhập lại."


class WeakPasswordError(IntakeError):
    status = 422
    code = "weak_password"


@dataclass(frozen=True)
class SessionView:
    must_change_password: bool
    expires_at: datetime


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
    sessions: SessionStore
    declarations: DeclarationStore
    keys: Keys
    relay: OutboxRelay
    clock: Clock
    limits: LoginLimits
    hashing: HashingGate
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
        check_activation_allowed(doc, event)
        fields = self.declarations.open_fields(doc)
        sin = fields["social_insurance_number"]
        existing = await self.store.get(self.store.key(sin))
        if existing is not None and existing.get("activated_by") != event.subject:
            if event.data.get("reissue_password"):
                await self._reissue(event, doc, sin, existing)
            else:
                await self._hold(event, doc, "account_active")
            return
        if await self._activate(event, doc, sin, fields["phone"]):
            return
        # Lost a race to another declaration's activation.
        current = await self.store.get(self.store.key(sin))
        if current is not None and current.get("activated_by") != event.subject:
            await self._hold(event, doc, "account_active")

    def _password_event(self, event: CloudEvent, doc: Doc, secret: dict[str, Any]) -> CloudEvent:
        """`account_activated`: the password leaves sealed, for the notifier only."""
        agency = event.data.get("agency")
        return new_event(
            Event.ACCOUNT_ACTIVATED,
            source=SOURCE,
            declaration_id=event.subject,
            agency_code=event.agency,
            data=AccountActivated(
                reference=doc.get("reference"),
                reissued=bool(secret.get("reissued")),
                # from `verified`: the notifier's mails
                agency=AgencyCard.model_validate(agency) if agency else None,
                sealed=self.keys.passwords.seal_json(secret, event.subject),
            ),
            clock=self.clock,
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
            # A new password ends whatever was signed in with the old one, as a change does.
            await self.sessions.revoke_all(self.store.key(sin))
            self.relay.kick()

    async def _hold(self, event: CloudEvent, doc: Doc, reason: str) -> None:
        held = new_event(
            Event.ACCOUNT_HELD,
            source=SOURCE,
            declaration_id=event.subject,
            agency_code=event.agency,
            data=AccountHeld(reference=doc.get("reference"), reason=reason),
            clock=self.clock,
            correlation_id=event.correlationid,
        )
        if await self.declarations.hold_account(event.subject, held):
            self.relay.kick()

    async def authenticate(self, account: str, password: str, client: str) -> str:
        """The account's document id after a correct password.

        The check is reserved in the login limits before argon2 runs (see `login_limits`), so
        concurrent guesses cannot outrun the lockout. An unknown account costs the same argon2
        verification and is limited like a real one: neither the status codes nor the time
        taken tell whether it exists.
        """
        sin = account_key(account)
        if sin is None:
            raise LoginFailedError  # not even shaped like a login id: nothing to hide
        if not self.hashing.has_room():
            raise HashingBusyError  # before reserving: a refused check costs no one a guess
        attempt = await self.limits.reserve(sin, client)
        key = self.store.key(sin)
        try:
            doc = await self.store.get(key)
            stored = doc["password_hash"] if doc is not None else _unknown_account_hash()
            matched = await self.hashing.run(verify_password, stored, password)
        except HashingBusyError:
            await self.limits.refund(attempt)
            raise
        if not matched or doc is None:
            raise LoginFailedError  # the reservation stays: it was a failed guess
        await self.limits.succeeded(attempt)
        return key

    async def login(self, account: str, password: str, client: str) -> tuple[str, bool]:
        key = await self.authenticate(account, password, client)
        token = new_token()
        now = self.clock()
        await self.sessions.open(token_hash(token), key, now)
        await self.store.record_login(key, now)
        doc = await self.store.get(key)
        return token, bool(doc and doc.get("must_change_password"))

    async def session(self, token: str) -> SessionView:
        """The live session of a login token (its idle deadline moved on), or 401."""
        found = await self.sessions.touch(token_hash(token), self.clock())
        if found is None:
            raise SessionExpiredError
        doc = await self.store.get(found["account"])
        if doc is None:
            raise SessionExpiredError
        return SessionView(bool(doc.get("must_change_password")), found["expires_at"])

    async def logout(self, token: str) -> None:
        await self.sessions.close(token_hash(token))

    async def change_password(
        self, account: str, password: str, new_password: str, client: str
    ) -> None:
        """A new password after the current one; every open session of the account ends."""
        key = await self.authenticate(account, password, client)
        if problem := password_problem(new_password, password):
            raise WeakPasswordError(problem)
        if reason := weakness(new_password, await self._person(key, account)):
            raise WeakPasswordError(reason)
        digest = await self.hashing.run(hash_password, new_password)
        await self.store.set_password(key, digest, self.clock())
        await self.sessions.revoke_all(key)

    async def _person(self, key: str, account: str) -> Person:
        """The person's own data, from the declaration that activated the account."""
        sin = account_key(account) or ""
        doc = await self.store.get(key)
        declaration = await self.declarations.get(doc["activated_by"]) if doc else None
        if declaration is None:
            return Person(social_insurance_number=sin)
        return Person.from_fields(self.declarations.open_fields(declaration), sin)
