"""Issue 10.4: NATS attacked as an outsider and as each inside user, against the running system.

Every move of the finding is replayed: connect without credentials, publish a forged `verified`,
listen to the autofill photos and to their decoded replies. Each must be refused by the server
(an auth error, or the permission violation it reports back to the client).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import nats
import nats.errors
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from tests.e2e.conftest import System
from tests.support import applicant as a
from tests.support.cards import render_card_photo
from tests.support.observe import deadletters, publish, sms_to
from vssid_shared.clock import utc_now
from vssid_shared.envelope import new_event
from vssid_shared.nats_login import NatsLogin
from vssid_shared.subjects import RPC_QR_DECODE, Event

pytestmark = pytest.mark.e2e

REFUSAL_WAIT = 15.0  # the server's -ERR for a refused SUB or PUB arrives asynchronously


@pytest.fixture(scope="module", autouse=True)
def _needs_an_authenticating_stack(system: System) -> None:
    if not system.stack.nats_passwords:
        pytest.skip("this stack's NATS has no users (containers/external mode)")


@dataclass
class Session:
    """One NATS connection as some user, with every error the server reported to it."""

    nc: Client | None = None
    errors: list[str] = field(default_factory=list)
    reported: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def client(self) -> Client:
        assert self.nc is not None
        return self.nc

    async def on_error(self, error: Exception) -> None:
        self.errors.append(str(error))
        self.reported.set()

    async def refused(self, fragment: str) -> None:
        """Wait until the server reported a violation whose text holds `fragment`."""
        wanted = fragment.lower()  # nats-py reports the server's -ERR text lower-cased
        async with asyncio.timeout(REFUSAL_WAIT):
            while not any(wanted in error.lower() for error in self.errors):
                self.reported.clear()
                await self.reported.wait()


@asynccontextmanager
async def session(login: NatsLogin) -> AsyncIterator[Session]:
    watched = Session()
    watched.nc = await login.connect(
        error_cb=watched.on_error, allow_reconnect=False, connect_timeout=5
    )
    try:
        yield watched
    finally:
        await watched.client.close()


async def quiet(error: Exception) -> None:
    """Swallow nats-py's default error print: the refusal is asserted on the exception."""


async def test_an_anonymous_connection_is_refused(system: System) -> None:
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(
            system.stack.nats_url, allow_reconnect=False, connect_timeout=5, error_cb=quiet
        )


async def test_a_wrong_password_is_refused(system: System) -> None:
    wrong = NatsLogin(system.stack.nats_url, "intake", "not-the-password")
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await wrong.connect(allow_reconnect=False, connect_timeout=5, error_cb=quiet)


async def test_intake_cannot_forge_review_events_nor_read_decode_requests(system: System) -> None:
    async with session(system.nats_login("intake")) as intake:
        with pytest.raises(nats.errors.TimeoutError):  # no PubAck: the stream never saw it
            await intake.client.jetstream().publish("declarations.4802.verified", b"{}", timeout=3)
        await intake.refused('publish to "declarations.4802.verified"')
        await intake.client.subscribe(RPC_QR_DECODE)
        await intake.refused(f'subscription to "{RPC_QR_DECODE}"')


def autofill(system: System) -> httpx.Response:
    photo = render_card_photo(a.BAO_QR, "clean", 7)
    with httpx.Client(base_url=system.intake_url, timeout=60) as http:
        return http.post("/v1/qr/decode", files={"file": ("card.jpg", photo, "image/jpeg")})


def submit_one(system: System) -> str:
    """A declaration of agency 4802 submitted through intake's HTTP API; its id."""
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, a.unique_bao())
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        a.submit(intake, declaration_id, token)
    return declaration_id


@pytest.mark.parametrize("user", ["review", "notifier", "ocr_qr", "ops"])
async def test_nobody_but_intake_can_listen_to_autofill_replies(system: System, user: str) -> None:
    """Photos travel on the decode subject, decoded names and numbers come back on intake's
    private inbox: no other user may subscribe to either, nor to the shared `_INBOX.>`."""
    async with session(system.nats_login(user)) as spy:
        subjects = ["_INBOX_intake.>", "_INBOX.>", ">"]
        if user != "ocr_qr":
            subjects.append(RPC_QR_DECODE)
        heard: list[Msg] = []

        async def overhear(msg: Msg) -> None:
            heard.append(msg)

        for subject in subjects:
            await spy.client.subscribe(subject, cb=overhear)
            await spy.refused(f'subscription to "{subject}"')
        # A real autofill meanwhile: it works, and none of the refused subscriptions hears it.
        answer = await asyncio.to_thread(autofill, system)
        assert answer.status_code == 200, answer.text
        await spy.client.flush()
        assert heard == []


async def test_review_cannot_read_other_users_inboxes(system: System) -> None:
    async with session(system.nats_login("review")) as review:
        for subject in ("_INBOX_intake.>", "_INBOX_ocr_qr.>", "_INBOX_notifier.>"):
            await review.client.subscribe(subject)
            await review.refused(f'subscription to "{subject}"')


@pytest.mark.parametrize("user", ["review", "ops"])
async def test_readers_cannot_redefine_a_services_durable_consumer(
    system: System, user: str
) -> None:
    """Their consumer-create right is on the mirror only: a create on DECLARATIONS naming
    intake's account consumer (to refilter or steal it) is refused, and the consumer is as
    the bootstrap declared it."""
    hijack = {
        "stream_name": "DECLARATIONS",
        "config": {
            "name": "intake_accounts-verified",
            "filter_subject": "declarations.0000.verified",
            "ack_policy": "explicit",
        },
    }
    async with session(system.nats_login(user)) as reader:
        with pytest.raises(nats.errors.TimeoutError):
            await reader.client.request(
                "$JS.API.CONSUMER.CREATE.DECLARATIONS", json.dumps(hijack).encode(), timeout=3
            )
        await reader.refused('publish to "$JS.API.CONSUMER.CREATE.DECLARATIONS"')
    admin = await system.nats_login("bootstrap").connect()
    try:
        info = await admin.jsm().consumer_info("DECLARATIONS", "intake_accounts-verified")
    finally:
        await admin.close()
    assert info.config.filter_subject == "declarations.*.verified"


def create_operator_user(system: System, agency: str) -> NatsLogin:
    """`vssid nats operator-user` on the stack's data dir; the running server reloads."""
    env = {**system.env, "VSSID_DATA_DIR": str(system.stack.data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "vssid.cli", "nats", "operator-user", "--agency", agency],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Server reloaded." in result.stdout
    password = result.stdout.strip().splitlines()[-1].removeprefix("password: ")
    return NatsLogin(system.stack.nats_url, f"operator_{agency}", password)


async def connected_after_reload(login: NatsLogin) -> Client:
    """The reload is asynchronous: retry the connect until the new user is known."""
    async with asyncio.timeout(REFUSAL_WAIT):
        while True:
            try:
                return await login.connect(allow_reconnect=False, error_cb=quiet)
            except nats.errors.Error:
                await asyncio.sleep(0.2)


@pytest.mark.local_servers  # `vssid nats operator-user` reloads the server by its PID file
async def test_an_operator_reads_its_agency_only_and_publishes_nothing(system: System) -> None:
    login = create_operator_user(system, "4802")
    nc = await connected_after_reload(login)
    await nc.close()
    async with session(login) as operator:
        ours = await operator.client.subscribe("declarations.4802.>")
        for subject in ("declarations.4801.>", "declarations.*.submitted", "_INBOX_intake.>"):
            await operator.client.subscribe(subject)
            await operator.refused(f'subscription to "{subject}"')
        await operator.client.publish("declarations.4802.verified", b"{}")
        await operator.refused('publish to "declarations.4802.verified"')
        await operator.client.publish("$JS.API.STREAM.INFO.DECLARATIONS", b"")
        await operator.refused('publish to "$JS.API.STREAM.INFO.DECLARATIONS"')

        declaration_id = await asyncio.to_thread(submit_one, system)
        async with asyncio.timeout(60):
            while True:
                msg = await ours.next_msg(timeout=60)
                if declaration_id.encode() in msg.data:
                    break
        assert msg.subject.startswith("declarations.4802.")


def test_a_forged_verified_for_a_case_review_never_opened_activates_nothing(
    system: System,
) -> None:
    """Even with credentials that may publish `verified` (the tools' user here), intake
    activates only what it saw review open: the forged event ends in the dead letters."""
    person = a.unique_bao()
    with httpx.Client(base_url=system.intake_url, timeout=30) as intake:
        declaration_id, token = a.create_draft(intake, person)
        forged = new_event(
            Event.VERIFIED,
            source="attacker",
            declaration_id=declaration_id,
            agency_code="4802",
            data={"reference": "4802-FORGED"},
            clock=utc_now,
        )
        [seq] = publish(
            system.ops, forged.nats_subject, [(forged.model_dump_json().encode(), forged.id)]
        )

        def refused_by_intake() -> list[dict[str, object]]:
            return [
                d
                for d in deadletters(system.ops)
                if d.get("stream_seq") == seq and d.get("consumer") == "intake_accounts-verified"
            ]

        a.eventually(refused_by_intake, 60)
        assert a.status_of(intake, declaration_id, token)["status"] == "draft"
    assert sms_to(system.mail_api_url, a.e164(person["phone"])) == []
