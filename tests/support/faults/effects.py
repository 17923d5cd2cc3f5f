"""What left the system, counted from the outside: every mail by Message-ID and recipient,
every SMS by recipient and kind, against what each declaration should have caused."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
from nats.js.errors import NotFoundError

from tests.support.faults.client import Declaration
from vssid_shared.nats_login import NatsLogin
from vssid_shared.subjects import CONSUMERS, STREAM

MAIL_PAGE = 100_000  # the catcher lists everything it holds in one page this large
SMS_PASSWORD = "sms_password"


def expected_mails(declaration: Declaration) -> set[tuple[str, str]]:
    """(Message-ID, recipient) of every mail the declaration must cause (compose.message_id)."""
    kinds = ["verified", *(["copy"] if declaration.wants_copy else [])]
    email = declaration.fields["email"]
    return {(f"{kind}.{declaration.id}@vssid.local", email) for kind in kinds}


def sms_kind(text: str) -> str:
    # The only SMS the system sends carries the initial password (mails.py).
    return SMS_PASSWORD if text else "empty"


@dataclass
class Effects:
    """Counts of mails and SMS as they arrived, against the expected ones."""

    mails: Counter[tuple[str, str]] = field(default_factory=Counter)
    sms: Counter[tuple[str, str]] = field(default_factory=Counter)
    expected_mail: set[tuple[str, str]] = field(default_factory=set)
    expected_sms: set[tuple[str, str]] = field(default_factory=set)

    @property
    def lost(self) -> int:
        return len(self.expected_mail - set(self.mails)) + len(self.expected_sms - set(self.sms))

    @property
    def doubled(self) -> int:
        """Copies beyond the first of one mail or SMS, expected or not."""
        return sum(n - 1 for n in (*self.mails.values(), *self.sms.values()) if n > 1)

    @property
    def unexpected(self) -> int:
        """Mails and SMS nobody should have received (of the campaign's declarations)."""
        return len(set(self.mails) - self.expected_mail) + len(set(self.sms) - self.expected_sms)

    @property
    def complete(self) -> bool:
        return self.lost == 0


def count_effects(mail_api_url: str, declarations: Sequence[Declaration]) -> Effects:
    effects = Effects()
    for declaration in declarations:
        effects.expected_mail |= expected_mails(declaration)
        effects.expected_sms.add(("+84" + declaration.fields["phone"][1:], SMS_PASSWORD))
    mails = httpx.get(f"{mail_api_url}/api/v1/messages", params={"limit": MAIL_PAGE}, timeout=30)
    for mail in mails.json()["messages"]:
        for to in mail["To"]:
            effects.mails[(mail["MessageID"], to["Address"])] += 1
    sms = httpx.get(f"{mail_api_url}/api/v1/sms", timeout=30)
    for item in sms.json()["messages"]:
        effects.sms[(item["To"], sms_kind(item["Text"]))] += 1
    return effects


async def _busy_consumers(login: NatsLogin) -> list[str]:
    nc = await login.connect()
    try:
        js = nc.jetstream()
        busy = []
        for consumer in CONSUMERS:
            try:
                info = await js.consumer_info(STREAM, consumer.durable)
            except NotFoundError:
                continue
            if info.num_pending or info.num_ack_pending:
                pending, unacked = info.num_pending, info.num_ack_pending
                busy.append(f"{consumer.durable}: {pending} pending, {unacked} unacked")
        return busy
    finally:
        await nc.close()


def busy_consumers(admin: NatsLogin) -> list[str]:
    """The durable consumers with messages left to deliver or to ack ([] once all is quiet)."""
    return asyncio.run(_busy_consumers(admin))
