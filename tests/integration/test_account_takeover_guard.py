"""intake's activation guard on real MongoDB (issue 10 item 1): a plain `verified` never
re-keys an account another declaration activated; an explicit re-issue does, once, and sends
the new password to the owner's registered phone. The relay is never started: what would be
published is read from the documents' outbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from faststream.nats import NatsBroker
from pymongo import AsyncMongoClient

from vssid.devstack import Stack
from vssid_intake.account_handlers import Accounts
from vssid_intake.adapters.accounts import AccountStore
from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.adapters.registry import RegistryStore
from vssid_intake.adapters.sessions import SessionPolicy, SessionStore
from vssid_intake.hashing import HashingGate
from vssid_intake.login_limits import LoginLimits, LoginPolicy
from vssid_intake.sin_checks import SinChecks
from vssid_shared.clock import utc_now
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, OutboxRelay
from vssid_shared.subjects import Event, event_type

SIN = "4899990001"
KEYS = Keys("integration-test-secret-" + "k" * 24)


@pytest.fixture
async def accounts(stack: Stack, mongo_db_name: str) -> AsyncIterator[Accounts]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url)
    try:
        db = client[mongo_db_name]
        store, declarations = AccountStore(db, KEYS), DeclarationStore(db, KEYS)
        await store.ensure_indexes()
        relay = OutboxRelay(NatsBroker(), [declarations.collection, store.collection])
        checks = SinChecks(RegistryStore(db, KEYS), store, declarations, KEYS.lookup)
        window = timedelta(minutes=15)
        policy = LoginPolicy(30, window, 5, window, 20, window)
        yield Accounts(
            store=store,
            sessions=SessionStore(db, SessionPolicy(idle=window, absolute=window)),
            declarations=declarations,
            keys=KEYS,
            relay=relay,
            clock=utc_now,
            limits=LoginLimits(db["login_limits"], KEYS.lookup, utc_now, policy),
            hashing=HashingGate(1, 8),
            checks=checks,
        )
    finally:
        await client.close()


async def declaration(accounts: Accounts, phone: str, email: str) -> str:
    declaration_id = str(uuid.uuid4())
    fields = {
        "social_insurance_number": SIN,
        "full_name": "Nguyễn Văn Bảo",
        "phone": phone,
        "agency_code": "4802",  # intake activates only for the agency the event names
    }
    store = accounts.declarations
    await store.insert(
        {
            "_id": declaration_id,
            "status": "awaiting_verification",
            "reference": f"4802-{declaration_id[:6].upper()}",
            **store.field_set(declaration_id, {**fields, "email": email}, utc_now()),
        }
    )
    return declaration_id


def verified(declaration_id: str, *, reissue: bool = False) -> CloudEvent:
    data: dict[str, Any] = {"reference": "4802-XXXXXX"}
    if reissue:
        data["reissue_password"] = True
    return new_event(
        Event.VERIFIED,
        source="vssid/review",
        declaration_id=declaration_id,
        agency_code="4802",
        data=data,
        clock=utc_now,
    )


async def pending_of(collection: Any, key: str) -> list[dict[str, Any]]:
    doc = await collection.find_one({"_id": key}, {PENDING: 1})
    return list((doc or {}).get(PENDING, []))


async def test_plain_verify_holds_an_active_account_and_reissue_goes_to_the_owner(
    accounts: Accounts,
) -> None:
    owner = await declaration(accounts, "+84905111222", "owner@example.com")
    stranger = await declaration(accounts, "+84977333444", "stranger@example.com")
    await accounts.on_verified(verified(owner))
    account = await accounts.store.get(accounts.store.key(SIN))
    assert account is not None
    owner_hash = account["password_hash"]

    for _ in range(2):  # a redelivered `verified` is held once
        await accounts.on_verified(verified(stranger))
    after = await accounts.store.get(accounts.store.key(SIN))
    assert after is not None
    assert after["password_hash"] == owner_hash
    assert after["activated_by"] == owner
    held = await pending_of(accounts.declarations.collection, stranger)
    assert [e["type"] for e in held] == [event_type(Event.ACCOUNT_HELD)]
    assert held[0]["data"]["reason"] == "account_active"

    reissuer = await declaration(accounts, "+84988555666", "other@example.com")
    for _ in range(2):  # a redelivered re-issue re-keys once
        await accounts.on_verified(verified(reissuer, reissue=True))
    rekeyed = await accounts.store.get(accounts.store.key(SIN))
    assert rekeyed is not None
    assert rekeyed["password_hash"] != owner_hash
    assert rekeyed["contact_from"] == owner
    activations = [
        e
        for e in await pending_of(accounts.store.collection, accounts.store.key(SIN))
        if e["subject"] == reissuer
    ]
    assert len(activations) == 1
    secret = KEYS.passwords.open_json(activations[0]["data"]["sealed"], reissuer)
    assert secret["phone"] == "+84905111222"  # the owner's, not the re-issuing declaration's
    assert secret["email"] == "owner@example.com"
    assert secret["reissued"] is True


async def test_case_info_masks_the_owners_phone(accounts: Accounts) -> None:
    owner = await declaration(accounts, "+84901234567", "owner@example.com")
    assert await accounts.checks.account_state(SIN) is None
    await accounts.on_verified(verified(owner))
    state = await accounts.checks.account_state(SIN)
    assert state is not None
    assert state["active"] is True
    assert state["phone_masked"] == "090****567"
    assert state["since"]
