"""Who may publish and subscribe to what on NATS: the one permission table, from subjects.py.

Every process connects as its own user. A user publishes only its own events, pulls and acks
only on its own durable consumers and receives replies only on its own inbox prefix, so one
leaked or compromised service cannot forge another's events nor read another's replies. The
nats-server configuration of the dev stack, the tests and deploy is generated from this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vssid_shared.subjects import (
    CONSUMERS,
    DEADLETTER_STREAM,
    RPC_QR_DECODE,
    STREAM,
    SUBJECT_PREFIX,
    VIEW_STREAM,
    Consumer,
    Event,
    agency_filter,
    event_filter,
)

JS_API = "$JS.API"

# Which service publishes each event (README's event table; checked by the handlers' code).
EVENT_PUBLISHER: dict[Event, str] = {
    Event.SUBMITTED: "intake",
    Event.ACCOUNT_ACTIVATED: "intake",
    Event.ACCOUNT_HELD: "intake",
    Event.WITHDRAWN: "intake",
    Event.SCANNED: "ocr_qr",
    Event.AWAITING_VERIFICATION: "review",
    Event.VERIFIED: "review",
    Event.REJECTED: "review",
    Event.EXPIRING: "review",
    Event.EXPIRED: "review",
    Event.COPY_MAILED: "notifier",
    Event.NOTIFIED: "notifier",
}

# Durable consumers whose `service` name is not the NATS user that pulls from them.
CONSUMER_USER = {"intake_accounts": "intake"}

SERVICE_USERS: tuple[str, ...] = ("intake", "ocr_qr", "notifier", "review")
# bootstrap declares streams and consumers; ops is the `vssid events|deadletters` tools' user.
TOOL_USERS: tuple[str, ...] = ("bootstrap", "ops")
USERS: tuple[str, ...] = (*SERVICE_USERS, *TOOL_USERS)

OPERATOR_PREFIX = "operator_"
# ASCII digits only, whole string: `\d` takes other scripts' digits and `$` a trailing newline.
_AGENCY = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class Permissions:
    """Subjects a user may publish to and subscribe to; everything else is denied."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    # May answer a request it received (a reply subject it was handed), once, nothing else.
    allow_responses: bool = False


def inbox_prefix(user: str) -> str:
    """The private reply prefix of `user` (nats-py's `inbox_prefix`): `_INBOX_<user>`."""
    return f"_INBOX_{user}"


def consumer_user(consumer: Consumer) -> str:
    """The NATS user that pulls from `consumer`."""
    return CONSUMER_USER.get(consumer.service, consumer.service)


def durables_of(user: str) -> list[str]:
    return [c.durable for c in CONSUMERS if consumer_user(c) == user]


def events_of(user: str) -> list[Event]:
    return [event for event, publisher in EVENT_PUBLISHER.items() if publisher == user]


def _pull_consumer_rights(durable: str) -> list[str]:
    """Look up, pull from and ack one durable consumer of the declarations stream."""
    return [
        f"{JS_API}.CONSUMER.INFO.{STREAM}.{durable}",
        f"{JS_API}.CONSUMER.MSG.NEXT.{STREAM}.{durable}",
        f"$JS.ACK.{STREAM}.{durable}.>",
    ]


def _ordered_reader_rights(stream: str) -> list[str]:
    """Ephemeral ordered consumers (history by sequence): create, then answer flow control.

    Never on STREAM itself: this create subject carries no consumer name, so the right would
    also let a request name (and so redefine) a service's durable consumer.
    """
    if stream == STREAM:
        raise ValueError(f"readers create consumers on the mirror, not on {STREAM}")
    return [f"{JS_API}.CONSUMER.CREATE.{stream}", f"$JS.FC.{stream}.>"]


def service_permissions(user: str) -> Permissions:
    """The rights of one service user, derived from the consumers and the event table."""
    publish = [event_filter(event) for event in events_of(user)]
    for durable in durables_of(user):
        publish += _pull_consumer_rights(durable)
    subscribe = [f"{inbox_prefix(user)}.>"]
    if user == "intake":
        publish.append(RPC_QR_DECODE)  # asks for autofill decodes; replies come to its inbox
    if user == "ocr_qr":
        subscribe.append(RPC_QR_DECODE)  # the queue group that answers them
    if user == "review":
        # The staff SSE stream reads an agency's history with an ordered consumer.
        publish += _ordered_reader_rights(VIEW_STREAM)
    if user == "ops":
        # events tail, deadletters list/replay: read both streams, republish a dead letter.
        publish += _ordered_reader_rights(VIEW_STREAM) + _ordered_reader_rights(DEADLETTER_STREAM)
        publish += [f"{JS_API}.STREAM.MSG.GET.{VIEW_STREAM}", f"{SUBJECT_PREFIX}.>"]
    if user == "bootstrap":
        publish.append(f"{JS_API}.>")  # declares streams and consumers: the JetStream admin
    # JetStream answers (API replies, PubAcks, pulled messages) all arrive on the user's inbox.
    return Permissions(
        publish=tuple(publish), subscribe=tuple(subscribe), allow_responses=user == "ocr_qr"
    )


def operator_user(agency: str) -> str:
    if not _AGENCY.fullmatch(agency):
        raise ValueError(f"agency code {agency!r} is not 4 digits")
    return f"{OPERATOR_PREFIX}{agency}"


def operator_permissions(agency: str) -> Permissions:
    """Read-only, one agency: core subscribe to its events as they are published, nothing else.

    No JetStream API right at all: a consumer-create right cannot be limited to consumer names
    of one's own, so it would let an operator rewrite a service's durable consumer. History is
    read through review's `/v1/review/events` (resumable by sequence) or `vssid events tail`.
    """
    operator_user(agency)  # validates the code: it becomes a subject token
    return Permissions(publish=(), subscribe=(agency_filter(agency),))


def permissions_for(user: str) -> Permissions:
    if user.startswith(OPERATOR_PREFIX):
        return operator_permissions(user.removeprefix(OPERATOR_PREFIX))
    if user not in USERS:
        raise KeyError(f"no NATS user {user!r}; known: {', '.join(USERS)}")
    return service_permissions(user)


__all__ = [
    "EVENT_PUBLISHER",
    "SERVICE_USERS",
    "USERS",
    "Permissions",
    "inbox_prefix",
    "operator_permissions",
    "operator_user",
    "permissions_for",
]
