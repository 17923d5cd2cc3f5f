"""Account use cases: activation on `verified`, login, sessions and the first password change.

Functions `verb_object(command, *, deps)` like `handlers`; argon2 runs through the bounded
`PasswordWork` port and every failed guess is counted in `LoginLimits` before it is checked.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from vssid_intake.domain.activation import check_activation_allowed
from vssid_intake.domain.errors import (
    HashingBusyError,
    LoginFailedError,
    SessionExpiredError,
    WeakPasswordError,
)
from vssid_intake.domain.login_ids import account_key
from vssid_intake.domain.login_policy import SessionView
from vssid_intake.domain.password_strength import Person, weakness
from vssid_intake.domain.passwords import (
    hash_password,
    new_initial_password,
    password_problem,
    verify_password,
)
from vssid_intake.handlers import SOURCE, account_owner
from vssid_intake.ports import Deps
from vssid_shared.contracts import AccountActivated, AccountHeld, Envelope, StatusChanged
from vssid_shared.contracts.envelope import MARK, echo
from vssid_shared.crypto import new_token, token_hash
from vssid_shared.data_keys import load_key
from vssid_shared.doc import Doc
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.subjects import Event

log = logging.getLogger(__name__)


@cache
def _unknown_account_hash() -> str:
    """A hash no password matches, verified for unknown accounts to spend the same time."""
    return hash_password(new_token())


@dataclass(frozen=True)
class LogIn:
    account: str
    password: str
    client: str


@dataclass(frozen=True)
class ReadSession:
    token: str


@dataclass(frozen=True)
class LogOut:
    token: str


@dataclass(frozen=True)
class ChangePassword:
    account: str
    password: str
    new_password: str
    client: str


# --- activation on `verified` -----------------------------------------------------------------


async def activate_account(event: Envelope[StatusChanged], *, deps: Deps) -> None:
    """Create the account; an existing one is re-keyed only on an explicit re-issue.

    Defense in depth against takeover by re-registering: review refuses a plain verify when
    it knows of an active account, but an account can become active between submit and
    verify; here, at activation time, a plain `verified` never replaces an active account's
    password: the account is held and review is told (`account_held`).
    """
    doc = await deps.declarations.get(event.subject)
    if doc is None:
        raise LookupError("verified event for an unknown declaration")  # retried, then DLQ
    check_activation_allowed(doc, event)
    fields = deps.declarations.open_fields(doc)
    sin = fields["social_insurance_number"]
    existing = await deps.accounts.get(deps.accounts.key(sin))
    if existing is not None and existing.get("activated_by") != event.subject:
        if event.data.reissue_password:
            await _reissue(event, doc, sin, existing, deps)
        else:
            await _hold(event, doc, "account_active", deps)
        return
    if existing is not None:
        # Activated by this declaration before: a redelivery needs nothing (and no second
        # argon2 hash: under a backlog those copies pile up here); a reconciler's copy
        # means review saw no SMS receipt since, so the event itself may be lost.
        if event.data.reconciled:
            await resend_activation(deps.accounts.key(sin), event, deps=deps)
        return
    if await _activate(event, doc, sin, fields["phone"], deps):
        return
    # Lost a race to another declaration's activation.
    current = await deps.accounts.get(deps.accounts.key(sin))
    if current is not None and current.get("activated_by") != event.subject:
        await _hold(event, doc, "account_active", deps)


async def resend_activation(key: str, verified: Envelope[StatusChanged], *, deps: Deps) -> bool:
    """A lost `account_activated`, healed: review's reconciler re-emits `verified` when a
    verified case has no initial-password SMS receipt. If this declaration already activated
    the account, a second activation does nothing, so what went missing may be the
    `account_activated` itself (deleted, or never consumed): its stored copy is queued again,
    under a fresh id and marked reconciled. The notifier then sends the SMS with the same key
    (a receiver that already has it keeps one) or, if it had sent it, re-queues only its
    receipt. The stored copy holds the initial password sealed for the notifier; it is dropped
    when the password is changed (the initial one no longer works). False when none is left."""
    stored = await deps.accounts.activation_event(key, verified.subject)
    if stored is None:
        return False
    cause = CloudEvent.model_validate(verified.wire())
    if not await deps.accounts.requeue(key, verified.subject, echo(stored, cause)):
        return False
    log.warning(
        "account activated earlier but not confirmed; sending account_activated again",
        extra={
            "declaration_id": verified.subject,
            "event": "account_activated",
            "count": 1,
            "attempt": cause.data.get(MARK),
        },
    )
    deps.outbox.kick()
    return True


def _password_event(
    event: Envelope[StatusChanged], doc: Doc, secret: dict[str, Any], deps: Deps
) -> CloudEvent:
    """`account_activated`: the password leaves sealed, for the notifier only."""
    return new_event(
        Event.ACCOUNT_ACTIVATED,
        source=SOURCE,
        declaration_id=event.subject,
        agency_code=event.agency,
        data=AccountActivated(
            reference=doc.get("reference"),
            reissued=bool(secret.get("reissued")),
            # from `verified`: the notifier's mails
            agency=event.data.agency,
            sealed=deps.keys.passwords.seal_json(secret, event.subject),
        ),
        clock=deps.clock,
        correlation_id=event.correlationid,
    )


async def _activate(
    event: Envelope[StatusChanged], doc: Doc, sin: str, phone: str, deps: Deps
) -> bool:
    password = new_initial_password()
    activated = _password_event(event, doc, {"password": password, "phone": phone}, deps)
    digest = await asyncio.to_thread(hash_password, password)
    if await deps.accounts.activate(sin, event.subject, digest, activated, deps.clock()):
        deps.outbox.kick()
        return True
    return False


async def _reissue(
    event: Envelope[StatusChanged], doc: Doc, sin: str, existing: Doc, deps: Deps
) -> None:
    """The clerk's audited re-issue: the new password goes to the OWNER's registered phone
    (never the new declaration's), and the owner's e-mail is told."""
    owner = await account_owner(existing, deps=deps)
    if owner is None or not owner.phone:
        await _hold(event, doc, "owner_contact_unknown", deps)
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
    activated = _password_event(event, doc, secret, deps)
    digest = await asyncio.to_thread(hash_password, password)
    now = deps.clock()
    if await deps.accounts.reissue(
        sin, event.subject, owner.declaration_id, digest, activated, now
    ):
        # A new password ends whatever was signed in with the old one, as a change does.
        await deps.sessions.revoke_all(deps.accounts.key(sin))
        deps.outbox.kick()


async def _hold(event: Envelope[StatusChanged], doc: Doc, reason: str, deps: Deps) -> None:
    held = new_event(
        Event.ACCOUNT_HELD,
        source=SOURCE,
        declaration_id=event.subject,
        agency_code=event.agency,
        data=AccountHeld(reference=doc.get("reference"), reason=reason),
        clock=deps.clock,
        correlation_id=event.correlationid,
    )
    if await deps.declarations.hold_account(event.subject, held):
        deps.outbox.kick()


# --- login and sessions -----------------------------------------------------------------------


async def authenticate(account: str, password: str, client: str, *, deps: Deps) -> str:
    """The account's document id after a correct password.

    The check is reserved in the login limits before argon2 runs (see `adapters/login_limits`),
    so concurrent guesses cannot outrun the lockout. An unknown account costs the same argon2
    verification and is limited like a real one: neither the status codes nor the time
    taken tell whether it exists.
    """
    sin = account_key(account)
    if sin is None:
        raise LoginFailedError  # not even shaped like a login id: nothing to hide
    if not deps.password_work.has_room():
        raise HashingBusyError  # before reserving: a refused check costs no one a guess
    attempt = await deps.login_limits.reserve(sin, client)
    key = deps.accounts.key(sin)
    try:
        doc = await deps.accounts.get(key)
        stored = doc["password_hash"] if doc is not None else _unknown_account_hash()
        matched = await deps.password_work.run(verify_password, stored, password)
    except HashingBusyError:
        await deps.login_limits.refund(attempt)
        raise
    if not matched or doc is None:
        raise LoginFailedError  # the reservation stays: it was a failed guess
    await deps.login_limits.succeeded(attempt)
    return key


async def log_in(command: LogIn, *, deps: Deps) -> tuple[str, bool]:
    """A session token, and whether the password must be changed first."""
    key = await authenticate(command.account, command.password, command.client, deps=deps)
    token = new_token()
    now = deps.clock()
    await deps.sessions.open(token_hash(token), key, now)
    await deps.accounts.record_login(key, now)
    doc = await deps.accounts.get(key)
    return token, bool(doc and doc.get("must_change_password"))


async def read_session(command: ReadSession, *, deps: Deps) -> SessionView:
    """The live session of a login token (its idle deadline moved on), or 401."""
    found = await deps.sessions.touch(token_hash(command.token), deps.clock())
    if found is None:
        raise SessionExpiredError
    doc = await deps.accounts.get(found["account"])
    if doc is None:
        raise SessionExpiredError
    return SessionView(bool(doc.get("must_change_password")), found["expires_at"])


async def log_out(command: LogOut, *, deps: Deps) -> None:
    await deps.sessions.close(token_hash(command.token))


async def change_password(command: ChangePassword, *, deps: Deps) -> None:
    """A new password after the current one; every open session of the account ends."""
    key = await authenticate(command.account, command.password, command.client, deps=deps)
    if problem := password_problem(command.new_password, command.password):
        raise WeakPasswordError(problem)
    person = await _person(key, command.account, deps)
    if reason := weakness(command.new_password, person):
        raise WeakPasswordError(reason)
    digest = await deps.password_work.run(hash_password, command.new_password)
    await deps.accounts.set_password(key, digest, deps.clock())
    await deps.sessions.revoke_all(key)


async def _person(key: str, account: str, deps: Deps) -> Person:
    """The person's own data, from the declaration that activated the account."""
    sin = account_key(account) or ""
    doc = await deps.accounts.get(key)
    declaration = await deps.declarations.get(doc["activated_by"]) if doc else None
    if declaration is None:
        return Person(social_insurance_number=sin)
    await load_key(deps.keys, declaration["_id"])
    return Person.from_fields(deps.declarations.open_fields(declaration), sin)
