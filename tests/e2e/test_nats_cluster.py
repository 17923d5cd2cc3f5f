"""The services on a 3-node NATS cluster with R3 streams: the DECLARATIONS stream's leader is
SIGKILLed while declarations flow, twice (while they are submitted and scanned, and while
they are verified), and still every declaration arrives, every copy, mail and SMS once.

The streams start at R1, as an older single-node release left them: the services' bootstrap
scales them and their consumers to VSSID_NATS_REPLICAS=3 in place.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from nats.errors import Error as NatsError

from tests.e2e.conftest import System, launch
from tests.support import applicant as a
from tests.support.nats_cluster import NatsCluster, NatsNode, cluster_stack, stream_leader
from tests.support.observe import mails_about, sms_to
from vssid_shared.bootstrap import declare_all
from vssid_shared.subjects import CONSUMERS, STREAM

pytestmark = pytest.mark.e2e

PER_PHASE = 2  # declarations submitted on each side of the first kill


@dataclass(frozen=True)
class Submitted:
    declaration_id: str
    token: str
    reference: str
    phone: str


@pytest.fixture(scope="module")
def on_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, NatsCluster]]:
    data_dir = tmp_path_factory.mktemp("nats-cluster")
    with cluster_stack(data_dir) as (stack, cluster):
        asyncio.run(declare_all(cluster.login("bootstrap"), replicas=1))
        with launch(stack, extra_env={"VSSID_NATS_REPLICAS": "3"}) as system:
            yield system, cluster


def submit(system: System, fields: dict[str, Any]) -> Submitted:
    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        declaration_id, token = a.create_draft(intake, fields)
        a.upload_images(intake, declaration_id, token, a.BAO_QR)
        reference = a.submit(intake, declaration_id, token)
    return Submitted(declaration_id, token, reference, a.e164(fields["phone"]))


def kill_the_leader(cluster: NatsCluster) -> NatsNode:
    """SIGKILL the node leading DECLARATIONS (as stream info names it); that node."""
    leader, peers = stream_leader(cluster.login("bootstrap"), STREAM)
    assert len(peers) == 2, f"{STREAM} is not on three nodes: leader {leader}, peers {peers}"
    node = cluster.node(leader)
    node.process.kill()
    node.process.wait(10)
    node.process.finish()
    return node


def led_by_another(cluster: NatsCluster, dead: str) -> str | None:
    try:
        leader, _ = stream_leader(cluster.login("bootstrap"), STREAM)
    except (NatsError, TimeoutError):  # no leader yet: the election is still under way
        return None
    return leader if leader and leader != dead else None


async def _unsettled(cluster: NatsCluster) -> list[str]:
    nc = await cluster.login("bootstrap").connect()
    try:
        jsm = nc.jsm()
        infos = [await jsm.consumer_info(STREAM, c.durable) for c in CONSUMERS]
    finally:
        await nc.close()
    return [i.name for i in infos if i.num_pending or i.num_ack_pending or i.num_redelivered]


def settled(cluster: NatsCluster) -> bool:
    """Every durable consumer has every message delivered and acked: no redelivery to come."""
    return not asyncio.run(_unsettled(cluster))


def mailed_twice(mail_api_url: str, reference: str) -> bool:
    return len(mails_about(mail_api_url, reference)) >= 2


def all_current(cluster: NatsCluster) -> bool:
    _, peers = stream_leader(cluster.login("bootstrap"), STREAM)
    return len(peers) == 2


def test_killing_the_stream_leader_loses_and_doubles_nothing(
    on_cluster: tuple[System, NatsCluster],
) -> None:
    system, cluster = on_cluster
    declarations = [submit(system, a.unique_bao()) for _ in range(PER_PHASE)]
    first = kill_the_leader(cluster)  # their events are on their way through ocr_qr and intake
    declarations += [submit(system, a.unique_bao()) for _ in range(PER_PHASE)]
    a.eventually(lambda: led_by_another(cluster, first.name), 60)

    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        for d in declarations:
            a.wait_for_status(intake, d.declaration_id, d.token, "awaiting_verification", 120)
    for d in declarations:
        a.eventually(functools.partial(mails_about, system.mail_api_url, d.reference), 120)

    first.start()  # back, it catches up as a follower
    a.eventually(lambda: all_current(cluster), 60)
    operator = system.cli("operators", "add", "--agency", "4802", "--name", "Lê C").splitlines()[-1]
    with httpx.Client(base_url=system.review_url, timeout=60) as review:
        for i, d in enumerate(declarations):
            if i == PER_PHASE:
                second = kill_the_leader(cluster)  # while the verifications flow
            verified = review.post(
                f"/v1/review/declarations/{d.declaration_id}/verify",
                json={"note": "đối chiếu"},
                headers=a.auth(operator),
            )
            assert verified.status_code == 200, verified.text
    a.eventually(lambda: led_by_another(cluster, second.name), 60)

    with httpx.Client(base_url=system.intake_url, timeout=60) as intake:
        for d in declarations:
            a.wait_for_status(intake, d.declaration_id, d.token, "verified", 120)
    for d in declarations:
        # The copy and the verified mail; the initial password by SMS.
        a.eventually(functools.partial(mailed_twice, system.mail_api_url, d.reference), 120)
        a.eventually(functools.partial(sms_to, system.mail_api_url, d.phone), 120)
    second.start()
    a.eventually(lambda: all_current(cluster), 60)
    a.eventually(lambda: settled(cluster), 120)
    for d in declarations:
        assert len(mails_about(system.mail_api_url, d.reference)) == 2, d
        assert len(sms_to(system.mail_api_url, d.phone)) == 1, d
