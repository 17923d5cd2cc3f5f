"""The review sweeper on real MongoDB with a frozen clock: reminders, expiry, image retention."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.clock import FrozenClock
from vssid.devstack import Stack
from vssid_review import handlers
from vssid_review.adapters.cases import CaseStore
from vssid_review.domain.cases import Operator
from vssid_review.ports import Deps, SweepPolicy
from vssid_shared.clock import utc_now
from vssid_shared.contracts import Scanned, typed
from vssid_shared.crypto import Keys
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.images import ImageNotFoundError, ImageVault
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING
from vssid_shared.subjects import Event

KEYS = Keys("x" * 40)
WINDOW = 30
REMIND = 5
AGENCY = "4802"
CLERK = Operator(id="op-1", name="Nguyễn Văn B", agency_code=AGENCY)
# 2026-03-01 in Vietnam (UTC+7) ends at 16:59:59 UTC.
LATE_EVENING = datetime(2026, 3, 1, 16, 59, tzinfo=UTC)  # 23:59 on 1 March in Vietnam
JUST_AFTER_MIDNIGHT = datetime(2026, 3, 1, 17, 1, tzinfo=UTC)  # 00:01 on 2 March in Vietnam


def vn_midnight(day: date) -> datetime:
    """00:00 in Vietnam on `day`, as a UTC instant."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=7)


@dataclass
class FakeRelay:
    """Stands in for the outbox relay: events stay in `pending_events` for the test to read."""

    kicks: int = 0

    def kick(self) -> None:
        self.kicks += 1

    def kick_first(self, collection: str, doc_id: Any, events: Sequence[Any]) -> None:
        self.kicks += 1


def scanned_event(declaration_id: str, images: dict[str, Doc]) -> CloudEvent:
    declaration = {
        "full_name": "Nguyễn Văn Bảo",
        "email": "bao@example.com",
        "social_insurance_number": "4890012345",
        "id_document": {"number": "048090900101"},
    }
    sealed: Doc = {"card": None, "discrepancies": [], "declaration": declaration}
    data = {
        "reference": f"T{uuid.uuid4().hex[:9].upper()}",
        "agency": {"code": AGENCY, "name": "BHXH quận Thanh Khê"},
        "send_email_copy": False,
        "images": images,
        "qr": {"found": False},
        "findings": [],
        "sealed": KEYS.events.seal_json(sealed, declaration_id),
    }
    return new_event(
        Event.SCANNED,
        source="tests",
        declaration_id=declaration_id,
        agency_code=AGENCY,
        data=data,
        clock=utc_now,
    )


@dataclass
class Office:
    deps: Deps
    db: AsyncDatabase[Doc]
    clock: FrozenClock
    relay: FakeRelay = field(default_factory=FakeRelay)

    def sweeper(self, retention_days: int = 0) -> SweepPolicy:
        return SweepPolicy(REMIND, 60.0, retention_days, 900.0, 5)

    async def open_case(self, at: datetime, *, photo: bytes | None = None) -> str:
        case_id = str(uuid.uuid4())
        images: dict[str, Doc] = {}
        if photo is not None:
            file_id = await self.deps.images.put(case_id, "portrait", photo, {})
            sha256 = hashlib.sha256(photo).hexdigest()
            images["portrait"] = {
                "file_id": file_id,
                "sha256": sha256,
                "content_type": "image/jpeg",
            }
        self.clock.now = at
        await handlers.open_case(typed(scanned_event(case_id, images), Scanned), deps=self.deps)
        return case_id

    async def case(self, case_id: str) -> Doc:
        found = await self.db["cases"].find_one({"_id": case_id})
        assert found is not None
        return found

    async def audit(self, case_id: str) -> list[Doc]:
        """The case's audit trail, kept in its own collection."""
        return await self.deps.cases.history(case_id)

    async def queued(self, case_id: str) -> list[Event]:
        return [CloudEvent.model_validate(e).event for e in (await self.case(case_id))[PENDING]]

    async def sweep_at(self, at: datetime, policy: SweepPolicy | None = None) -> tuple[int, ...]:
        self.clock.now = at
        return tuple(await self.sweep_once(policy))

    async def sweep_once(self, policy: SweepPolicy | None = None) -> handlers.Swept:
        return await handlers.sweep_deadlines(policy or self.sweeper(), deps=self.deps)

    async def photo_kept(self, case_id: str) -> bool:
        ref = (await self.case(case_id))["images"]["portrait"]
        try:
            await self.deps.images.get(ref["file_id"], case_id, "portrait")
        except ImageNotFoundError:
            return False
        return True


def make_office(db: AsyncDatabase[Doc], clock: FrozenClock) -> Office:
    relay = FakeRelay()
    deps = Deps(
        cases=CaseStore(db),
        images=ImageVault(db, KEYS.images),
        outbox=relay,
        keys=KEYS,
        clock=clock,
        visit_window_days=WINDOW,
    )
    return Office(deps, db, clock, relay)


@pytest.fixture
async def db(stack: Stack, mongo_db_name: str) -> AsyncIterator[AsyncDatabase[Doc]]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url)
    try:
        await CaseStore(client[mongo_db_name]).ensure_indexes()
        yield client[mongo_db_name]
    finally:
        await client.close()


@pytest.fixture
def office(db: AsyncDatabase[Doc]) -> Office:
    return make_office(db, FrozenClock(LATE_EVENING))


async def test_deadline_is_the_vietnam_opening_date_plus_the_window(office: Office) -> None:
    before = await office.open_case(LATE_EVENING)
    after = await office.open_case(JUST_AFTER_MIDNIGHT)
    assert (await office.case(before))["deadline"] == "2026-03-31"
    assert (await office.case(after))["deadline"] == "2026-04-01"


async def test_reminder_is_queued_once_n_days_before(office: Office) -> None:
    case_id = await office.open_case(LATE_EVENING)  # deadline 2026-03-31, reminder from 26 March
    reminder_day = vn_midnight(date(2026, 3, 31) - timedelta(days=REMIND))
    assert await office.sweep_at(reminder_day - timedelta(minutes=1)) == (0, 0, 0)
    assert await office.sweep_at(reminder_day) == (1, 0, 0)
    assert await office.sweep_at(reminder_day + timedelta(days=2)) == (0, 0, 0)
    assert await office.queued(case_id) == [Event.AWAITING_VERIFICATION, Event.EXPIRING]
    assert office.relay.kicks == 2  # once on opening, once for the reminder


async def test_expiry_happens_once_after_the_deadline_day(office: Office) -> None:
    case_id = await office.open_case(LATE_EVENING)
    last_minute = datetime(2026, 3, 31, 16, 59, tzinfo=UTC)  # 23:59 on the deadline day
    assert (await office.sweep_at(last_minute))[1] == 0
    assert (await office.case(case_id))["status"] == "awaiting_verification"
    assert (await office.sweep_at(datetime(2026, 3, 31, 17, 0, tzinfo=UTC)))[1] == 1
    assert (await office.sweep_at(datetime(2026, 4, 10, tzinfo=UTC)))[1] == 0
    case = await office.case(case_id)
    assert case["status"] == "expired"
    assert [a["action"] for a in await office.audit(case_id)].count("expired") == 1
    assert (await office.queued(case_id)).count(Event.EXPIRED) == 1


async def test_expiry_follows_the_vietnam_midnight(office: Office) -> None:
    before = await office.open_case(LATE_EVENING)  # deadline 31 March
    after = await office.open_case(JUST_AFTER_MIDNIGHT)  # deadline 1 April
    await office.sweep_at(datetime(2026, 3, 31, 17, 0, tzinfo=UTC))  # 00:00 on 1 April in Vietnam
    assert (await office.case(before))["status"] == "expired"
    assert (await office.case(after))["status"] == "awaiting_verification"
    await office.sweep_at(datetime(2026, 4, 1, 16, 59, tzinfo=UTC))
    assert (await office.case(after))["status"] == "awaiting_verification"
    await office.sweep_at(datetime(2026, 4, 1, 17, 0, tzinfo=UTC))
    assert (await office.case(after))["status"] == "expired"


async def test_no_reminder_once_the_deadline_has_passed(office: Office) -> None:
    case_id = await office.open_case(LATE_EVENING)
    assert await office.sweep_at(datetime(2026, 4, 5, tzinfo=UTC)) == (0, 1, 1)
    assert await office.queued(case_id) == [Event.AWAITING_VERIFICATION, Event.EXPIRED]


async def test_concurrent_sweepers_claim_each_case_once(
    office: Office, stack: Stack, db: AsyncDatabase[Doc]
) -> None:
    ids = [await office.open_case(LATE_EVENING, photo=b"portrait") for _ in range(5)]
    # A second replica: its own client, Review and Sweeper, the same clock.
    other_client: AsyncMongoClient[Doc] = AsyncMongoClient(stack.mongo_url)
    try:
        replica = make_office(other_client[db.name], office.clock)
        passes = {
            datetime(2026, 3, 27, tzinfo=UTC): (5, 0, 0),  # (reminded, expired, purged)
            datetime(2026, 4, 2, tzinfo=UTC): (0, 5, 5),
        }
        for at, claimed in passes.items():
            office.clock.now = at
            results = await asyncio.gather(office.sweep_once(), replica.sweep_once())
            assert tuple(sum(column) for column in zip(*results, strict=True)) == claimed
    finally:
        await other_client.close()
    for case_id in ids:
        events = await office.queued(case_id)
        assert events.count(Event.EXPIRING) == 1
        assert events.count(Event.EXPIRED) == 1
        actions = [a["action"] for a in await office.audit(case_id)]
        assert actions == ["expired", "images_purged"]
        assert not await office.photo_kept(case_id)


async def test_verified_cases_never_expire_nor_lose_photos(office: Office) -> None:
    case_id = await office.open_case(LATE_EVENING, photo=b"portrait")
    office.clock.now = datetime(2026, 3, 10, tzinfo=UTC)
    await handlers.verify_case(handlers.VerifyCase(CLERK, case_id, "đúng người"), deps=office.deps)
    assert await office.sweep_at(datetime(2026, 3, 28, tzinfo=UTC)) == (0, 0, 0)
    assert await office.sweep_at(datetime(2027, 1, 1, tzinfo=UTC)) == (0, 0, 0)
    assert (await office.case(case_id))["status"] == "verified"
    assert Event.EXPIRED not in await office.queued(case_id)
    assert await office.photo_kept(case_id)


async def test_expired_photos_are_deleted_at_the_next_sweep(office: Office) -> None:
    case_id = await office.open_case(LATE_EVENING, photo=b"portrait")
    assert await office.photo_kept(case_id)
    assert await office.sweep_at(datetime(2026, 4, 1, tzinfo=UTC)) == (0, 1, 1)
    assert not await office.photo_kept(case_id)
    assert await office.sweep_at(datetime(2026, 4, 2, tzinfo=UTC)) == (0, 0, 0)
    case = await office.case(case_id)
    assert case["images_purged"] is True
    purges = [a for a in await office.audit(case_id) if a["action"] == "images_purged"]
    assert len(purges) == 1
    assert purges[0]["operator"] is None


async def test_rejected_photos_are_kept_for_the_retention(office: Office) -> None:
    # Decisions are stamped by the wall clock, so this case lives in the present.
    now = datetime.now(UTC).replace(microsecond=0)
    case_id = await office.open_case(now, photo=b"portrait")
    await handlers.reject_case(
        handlers.RejectCase(CLERK, case_id, "ảnh không rõ"), deps=office.deps
    )
    retained = office.sweeper(retention_days=7)
    assert await office.sweep_at(now + timedelta(days=7, minutes=-1), retained) == (0, 0, 0)
    assert await office.photo_kept(case_id)
    assert await office.sweep_at(now + timedelta(days=7, minutes=1), retained) == (0, 0, 1)
    assert not await office.photo_kept(case_id)
    assert await office.sweep_at(now + timedelta(days=8), retained) == (0, 0, 0)
