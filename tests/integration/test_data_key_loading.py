"""The sweeper and the reconcilers load a declaration's data key before they open its sealed
data: a fresh process (a restart, another replica) never reaches the logged, blocking
"read without load_key first" fallback on those paths, on real MongoDB.

Each step runs in its own composition root (`bootstrap`, as the service builds itself), so
its key cache starts empty, as in a process that did not handle the declaration's events.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from pydantic import SecretStr
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.clock import FrozenClock
from vssid.devstack import Stack
from vssid_intake import handlers as intake
from vssid_intake.bootstrap import App as IntakeApp
from vssid_intake.bootstrap import bootstrap as intake_bootstrap
from vssid_intake.ports import ReconcilePolicy
from vssid_intake.settings import IntakeSettings
from vssid_review import handlers as review
from vssid_review.bootstrap import App as ReviewApp
from vssid_review.bootstrap import bootstrap as review_bootstrap
from vssid_review.domain.cases import Operator
from vssid_review.ports import SweepPolicy
from vssid_review.settings import ReviewSettings
from vssid_shared.contracts import Scanned, typed
from vssid_shared.data_keys import create_key
from vssid_shared.envelope import CloudEvent, new_event
from vssid_shared.mongo import Doc
from vssid_shared.outbox import PENDING
from vssid_shared.subjects import Event

SECRET = "data-key-loading-test-" + "s" * 30
FALLBACK = "data key read without load_key first"
AGENCY = "4802"
CLERK = Operator("op-1", "Nguyễn Văn B", AGENCY)
SWEEP = SweepPolicy(5, 60.0, 0, 900.0, 5)
LATER = timedelta(hours=1)  # past every reconcile period used here
DECLARATION = {
    "full_name": "Nguyễn Văn Bảo",
    "email": "bao@example.com",
    "phone": "+84901234567",
    "social_insurance_number": "4890012345",
    "agency_code": AGENCY,
    "id_document": {"number": "048090900101"},
}


@pytest.fixture
def fallbacks(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The fallback's log records so far (the declaration each was for)."""
    caplog.set_level(logging.WARNING, logger="vssid_shared.shredding")

    def found() -> list[str]:
        return [r.__dict__["declaration"] for r in caplog.records if r.getMessage() == FALLBACK]

    return found


class Processes:
    """Fresh composition roots on the test's database; closed at the end."""

    def __init__(self, stack: Stack, db_name: str, clock: FrozenClock) -> None:
        self.mongo_url, self.db_name = stack.mongo_url, db_name
        self.clock = clock
        self.reviews: list[ReviewApp] = []
        self.intakes: list[IntakeApp] = []

    def review(self) -> ReviewApp:
        settings = ReviewSettings(
            mongo_url=self.mongo_url, mongo_db=self.db_name, secret_key=SecretStr(SECRET)
        )
        app = review_bootstrap(settings, clock=self.clock)
        self.reviews.append(app)
        return app

    def intake(self) -> IntakeApp:
        settings = IntakeSettings(
            mongo_url=self.mongo_url, mongo_db=self.db_name, secret_key=SecretStr(SECRET)
        )
        app = intake_bootstrap(settings, clock=self.clock)
        self.intakes.append(app)
        return app

    async def close(self) -> None:
        for app in self.intakes:
            app.stop()
        for runtime in [a.runtime for a in self.reviews] + [a.runtime for a in self.intakes]:
            await runtime.close_store()


@pytest.fixture
async def processes(stack: Stack, mongo_db_name: str) -> AsyncIterator[Processes]:
    found = Processes(stack, mongo_db_name, FrozenClock())
    try:
        yield found
    finally:
        await found.close()


def scanned(app: ReviewApp, case_id: str) -> CloudEvent:
    sealed: Doc = {"card": None, "discrepancies": [], "declaration": DECLARATION}
    data = {
        "reference": f"{AGENCY}-{case_id[:6].upper()}",
        "agency": {"code": AGENCY, "name": "BHXH quận Thanh Khê"},
        "send_email_copy": True,
        "images": {},
        "qr": {"found": False},
        "findings": [],
        "sealed": app.deps.keys.events.seal_json(sealed, case_id),
    }
    return new_event(
        Event.SCANNED,
        source="tests",
        declaration_id=case_id,
        agency_code=AGENCY,
        data=data,
        clock=app.deps.clock,
    )


async def relayed(db: AsyncDatabase[Doc], collection: str, doc_id: str) -> list[CloudEvent]:
    """What the outbox relay would publish, taken out of the document's outbox."""
    doc = await db[collection].find_one_and_update({"_id": doc_id}, {"$set": {PENDING: []}})
    assert doc is not None
    return [CloudEvent.model_validate(e) for e in doc.get(PENDING) or []]


async def test_reviews_reconciler_loads_the_key_before_opening_a_case(
    processes: Processes, aware_db: AsyncDatabase[Doc], fallbacks: Callable[[], list[str]]
) -> None:
    clock = processes.clock
    case_id = str(uuid.uuid4())
    subscriber = processes.review()  # the process that handled `scanned`
    await create_key(subscriber.deps.keys, case_id, clock())  # intake's, in real life
    await review.open_case(typed(scanned(subscriber, case_id), Scanned), deps=subscriber.deps)
    assert [e.event for e in await relayed(aware_db, "cases", case_id)] == [
        Event.AWAITING_VERIFICATION
    ]

    # No copy receipt an hour later: another process's sweeper sends the copy's event again.
    clock.now += LATER
    await review.sweep_and_reconcile(SWEEP, deps=processes.review().deps)
    again = await relayed(aware_db, "cases", case_id)
    assert [e.event for e in again] == [Event.AWAITING_VERIFICATION]
    assert fallbacks() == []

    # Rejected with a note by a clerk elsewhere; no status-mail receipt an hour later: the
    # `rejected` goes again, its note sealed under the data key (loaded, not the service key).
    clerk = processes.review()
    await review.reject_case(review.RejectCase(CLERK, case_id, "Ảnh mờ"), deps=clerk.deps)
    await relayed(aware_db, "cases", case_id)
    clock.now += LATER
    sweeper = processes.review()
    await review.sweep_and_reconcile(SWEEP, deps=sweeper.deps)
    (rejected,) = await relayed(aware_db, "cases", case_id)
    assert rejected.event == Event.REJECTED
    sealed_note = rejected.data["sealed"]
    assert sealed_note.startswith("dk1:")
    assert sweeper.deps.keys.events.open_json(sealed_note, case_id) == {"note": "Ảnh mờ"}
    assert fallbacks() == []

    # The control: a path that opens a case without loading its key first is what the
    # fallback (and this test) catches.
    case = await aware_db["cases"].find_one({"_id": case_id})
    assert case is not None
    assert review.open_sealed(case, deps=processes.review().deps)["declaration"] == DECLARATION
    assert fallbacks() == [case_id]


async def test_intakes_reconciler_and_account_owner_load_the_key_first(
    processes: Processes, aware_db: AsyncDatabase[Doc], fallbacks: Callable[[], list[str]]
) -> None:
    clock = processes.clock
    declaration_id = str(uuid.uuid4())
    writer = processes.intake()
    await create_key(writer.deps.keys, declaration_id, clock())
    store = writer.deps.declarations
    stored = store.field_set(declaration_id, DECLARATION, clock())  # type: ignore[attr-defined]
    assert stored["fields_sealed"].startswith("dk1:")
    await aware_db["declarations"].insert_one(
        {
            "_id": declaration_id,
            "status": "submitted",
            "reference": f"{AGENCY}-{declaration_id[:6].upper()}",
            "submitted_at": clock(),
            "images": {},
            "token_hash": "-",
            **stored,
        }
    )
    sin = str(DECLARATION["social_insurance_number"])
    await aware_db["accounts"].insert_one(
        {"_id": writer.deps.accounts.key(sin), "activated_by": declaration_id}
    )

    # Still `submitted` an hour later: another process's reconciler sends `submitted` again,
    # sealed under the declaration's data key.
    clock.now += LATER
    reconciler = processes.intake()
    policy = ReconcilePolicy(after_seconds=900.0, interval_seconds=60.0, max_attempts=5)
    assert await intake.resend_stuck_declarations(policy, deps=reconciler.deps) == 1
    (submitted,) = await relayed(aware_db, "declarations", declaration_id)
    assert submitted.event == Event.SUBMITTED
    assert submitted.data["sealed"].startswith("dk1:")
    opened = reconciler.deps.keys.events.open_json(submitted.data["sealed"], declaration_id)
    assert opened["email"] == DECLARATION["email"]
    assert fallbacks() == []

    # Someone else submits for the same number: the clerk is told of the active account and
    # its owner's masked phone, read from the owner's declaration in a cold process.
    state = await intake.account_state(sin, deps=processes.intake().deps)
    assert state is not None
    assert state["phone_masked"] == "090****567"
    assert fallbacks() == []
