"""intake's activation guard on real MongoDB (issue 10 item 1): a plain `verified` never
re-keys an account another declaration activated; an explicit re-issue does, once, and sends
the new password to the owner's registered phone. The relay is never started: what would be
published is read from the documents' outbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from faststream.nats import NatsBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from vssid.devstack import Stack
from vssid_intake.account_handlers import activate_account
from vssid_intake.adapters.accounts import AccountStore
from vssid_intake.adapters.declarations import DeclarationStore
from vssid_intake.adapters.hashing import HashingGate
from vssid_intake.adapters.login_limits import LoginLimits
from vssid_intake.adapters.qr_decoder import NatsQrDecoder
from vssid_intake.adapters.registry import RegistryStore
from vssid_intake.adapters.sessions import SessionStore
from vssid_intake.domain.agencies import AgencyCatalog
from vssid_intake.domain.login_policy import LoginPolicy, SessionPolicy
from vssid_intake.handlers import account_state
from vssid_intake.ports import Deps, Limits
from vssid_shared.clock import utc_now
from vssid_shared.contracts import StatusChanged, typed
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.images import ImageVault
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING, OutboxRelay
from vssid_shared.subjects import Event, event_type

SIN = "4899990001"
KEYS = Keys("integration-test-secret-" + "k" * 24)


@dataclass
class Intake:
    """The use cases' deps on real MongoDB, and the database to look into."""

    deps: Deps
    db: AsyncDatabase[Doc]
    declarations: DeclarationStore
    store: AccountStore


@pytest.fixture
async def accounts(stack: Stack, mongo_db_name: str) -> AsyncIterator[Intake]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url)
    try:
        db = client[mongo_db_name]
        store, declarations = AccountStore(db, KEYS), DeclarationStore(db, KEYS)
        await store.ensure_indexes()
        relay = OutboxRelay(NatsBroker(), [db["declarations"], db["accounts"]])
        window = timedelta(minutes=15)
        policy = LoginPolicy(30, window, 5, window, 20, window)
        deps = Deps(
            declarations=declarations,
            accounts=store,
            sessions=SessionStore(db, SessionPolicy(idle=window, absolute=window)),
            registry=RegistryStore(db, KEYS),
            images=ImageVault(db, KEYS.images),
            outbox=relay,
            login_limits=LoginLimits(db["login_limits"], KEYS.lookup, utc_now, policy),
            password_work=HashingGate(1, 8),
            qr_decoder=NatsQrDecoder(NatsBroker(), 1.0),
            agencies=AgencyCatalog.load(),
            keys=KEYS,
            clock=utc_now,
            limits=Limits(1 << 20, 1 << 24, 1 << 24, 1 << 16),
        )
        yield Intake(deps, db, declarations, store)
    finally:
        await client.close()


async def declaration(accounts: Intake, phone: str, email: str) -> str:
    declaration_id = str(uuid.uuid4())
    fields = {
        "social_insurance_number": SIN,
        "full_name": "Nguyễn Văn Bảo",
        "phone": phone,
        "agency_code": "4802",  # intake activates only for the agency the event names
    }
    store = accounts.declarations
    await accounts.db["declarations"].insert_one(
        {
            "_id": declaration_id,
            "status": "awaiting_verification",
            "reference": f"4802-{declaration_id[:6].upper()}",
            **store.field_set(declaration_id, {**fields, "email": email}, utc_now()),
        }
    )
    return declaration_id


def verified(declaration_id: str, *, reissue: bool = False) -> CloudEvent:
    data: dict[str, Any] = {"reference": "4802-XXXXXX", "deadline": "2026-03-31"}
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
    accounts: Intake,
) -> None:
    owner = await declaration(accounts, "+84905111222", "owner@example.com")
    stranger = await declaration(accounts, "+84977333444", "stranger@example.com")
    await activate_account(typed(verified(owner), StatusChanged), deps=accounts.deps)
    account = await accounts.store.get(accounts.store.key(SIN))
    assert account is not None
    owner_hash = account["password_hash"]

    for _ in range(2):  # a redelivered `verified` is held once
        await activate_account(typed(verified(stranger), StatusChanged), deps=accounts.deps)
    after = await accounts.store.get(accounts.store.key(SIN))
    assert after is not None
    assert after["password_hash"] == owner_hash
    assert after["activated_by"] == owner
    held = await pending_of(accounts.db["declarations"], stranger)
    assert [e["type"] for e in held] == [event_type(Event.ACCOUNT_HELD)]
    assert held[0]["data"]["reason"] == "account_active"

    reissuer = await declaration(accounts, "+84988555666", "other@example.com")
    for _ in range(2):  # a redelivered re-issue re-keys once
        await activate_account(
            typed(verified(reissuer, reissue=True), StatusChanged), deps=accounts.deps
        )
    rekeyed = await accounts.store.get(accounts.store.key(SIN))
    assert rekeyed is not None
    assert rekeyed["password_hash"] != owner_hash
    assert rekeyed["contact_from"] == owner
    activations = [
        e
        for e in await pending_of(accounts.db["accounts"], accounts.store.key(SIN))
        if e["subject"] == reissuer
    ]
    assert len(activations) == 1
    secret = KEYS.passwords.open_json(activations[0]["data"]["sealed"], reissuer)
    assert secret["phone"] == "+84905111222"  # the owner's, not the re-issuing declaration's
    assert secret["email"] == "owner@example.com"
    assert secret["reissued"] is True


async def test_case_info_masks_the_owners_phone(accounts: Intake) -> None:
    owner = await declaration(accounts, "+84901234567", "owner@example.com")
    assert await account_state(SIN, deps=accounts.deps) is None
    await activate_account(typed(verified(owner), StatusChanged), deps=accounts.deps)
    state = await account_state(SIN, deps=accounts.deps)
    assert state is not None
    assert state["active"] is True
    assert state["phone_masked"] == "090****567"
    assert state["since"]
