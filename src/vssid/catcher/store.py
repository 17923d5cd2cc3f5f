"""Durable mail and SMS stores: one `.eml` plus a JSON index entry per mail, SMS as JSON lines."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from vssid.catcher import mime

log = logging.getLogger(__name__)

SMS_FIELDS = ("ID", "To", "Text", "Created")
KEY_FIELD = "IdempotencyKey"  # kept on disk, never listed: the API shape is Mailpit's


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a sibling temp file and rename, so a crash leaves the old file or the new one."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _message_id(raw: bytes) -> str:
    """The Message-ID as the summary shows it (no angle brackets), or "" without one."""
    return str(mime.parse(raw).get("message-id", "")).strip().strip("<>")


def _created(received_ns: int) -> str:
    return mime.rfc3339(datetime.fromtimestamp(received_ns / 1e9, UTC))


class _Clock:
    """Strictly increasing nanosecond stamps, so newest-first order never ties."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        self.last = max(time.time_ns(), self.last + 1)
        return self.last


@dataclass(frozen=True)
class StoredMail:
    id: str
    received_ns: int
    summary: dict[str, Any]


class MailStore:
    """Mail kept as `<id>.eml` with a `<id>.json` index entry; the entry is written last."""

    def __init__(self, root: Path) -> None:
        self._dir = root / "messages"
        self._dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._clock = _Clock()
        self._mails: dict[str, StoredMail] = {}
        self._by_message_id: dict[str, str] = {}
        self._load()

    def _load(self) -> None:
        entries: list[StoredMail] = []
        for tmp in self._dir.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)  # Leftovers of writes a crash interrupted.
        for index_path in self._dir.glob("*.json"):
            try:
                meta = json.loads(index_path.read_bytes())
                raw = (self._dir / f"{meta['id']}.eml").read_bytes()
                entries.append(self._entry(raw, meta))
            except (OSError, ValueError, KeyError, TypeError):
                log.warning("skipping unreadable stored mail %s", index_path.stem)
        entries.sort(key=lambda mail: mail.received_ns)
        self._mails = {mail.id: mail for mail in entries}
        for mail in entries:
            self._remember(mail)
        self._clock.last = entries[-1].received_ns if entries else 0
        log.info("loaded %d stored mails", len(entries))

    def _entry(self, raw: bytes, meta: dict[str, Any]) -> StoredMail:
        created = _created(meta["received_ns"])
        head = mime.summary(mime.parse(raw), meta["id"], created, len(raw), meta["rcpt_tos"])
        return StoredMail(meta["id"], meta["received_ns"], head)

    def add(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> str:
        """Store one received mail and return its ID; a Message-ID already kept is not stored
        twice (the ID of the first copy is returned), as a deduplicating receiver would do."""
        with self._lock:
            message_id = _message_id(raw)
            if message_id and (first := self._by_message_id.get(message_id)) is not None:
                log.info("dropped a second copy of mail %s (same Message-ID)", first)
                return first
            meta = {
                "id": str(uuid.uuid4()),
                "received_ns": self._clock.next(),
                "mail_from": mail_from,
                "rcpt_tos": rcpt_tos,
            }
            _write_atomic(self._dir / f"{meta['id']}.eml", raw)
            _write_atomic(self._dir / f"{meta['id']}.json", json.dumps(meta).encode())
            mail = self._entry(raw, meta)
            self._mails[mail.id] = mail
            self._remember(mail)
            return mail.id

    def _remember(self, mail: StoredMail) -> None:
        if message_id := mail.summary.get("MessageID"):
            self._by_message_id.setdefault(message_id, mail.id)

    def page(self, start: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """Total count and the summaries of one page, newest first."""
        with self._lock:
            newest = list(reversed(self._mails.values()))
        return len(newest), [mail.summary for mail in newest[start : start + limit]]

    def _resolve(self, msg_id: str) -> StoredMail | None:
        # Mailpit also accepts `latest` wherever an ID goes.
        if msg_id == "latest":
            return next(reversed(self._mails.values()), None)
        return self._mails.get(msg_id)

    def _read(self, msg_id: str) -> tuple[bytes, StoredMail] | None:
        with self._lock:
            mail = self._resolve(msg_id)
        if mail is None:
            return None
        # Only known IDs become file names, so a path segment can never escape the directory.
        try:
            return (self._dir / f"{mail.id}.eml").read_bytes(), mail
        except FileNotFoundError:
            return None  # Deleted between lookup and read.

    def raw(self, msg_id: str) -> bytes | None:
        """The source exactly as received."""
        found = self._read(msg_id)
        return found[0] if found else None

    def message(self, msg_id: str) -> tuple[EmailMessage, dict[str, Any]] | None:
        """The parsed message and its summary."""
        found = self._read(msg_id)
        return (mime.parse(found[0]), found[1].summary) if found else None

    def delete(self, ids: list[str] | None = None) -> int:
        """Remove the given mails, or all of them; returns how many went."""
        with self._lock:
            doomed = list(self._mails) if ids is None else [i for i in ids if i in self._mails]
            for msg_id in doomed:
                # Index entry first: without it a leftover .eml is never served.
                (self._dir / f"{msg_id}.json").unlink(missing_ok=True)
                (self._dir / f"{msg_id}.eml").unlink(missing_ok=True)
                mail = self._mails.pop(msg_id)
                if self._by_message_id.get(mail.summary.get("MessageID", "")) == msg_id:
                    del self._by_message_id[mail.summary["MessageID"]]
            return len(doomed)


class SmsStore:
    """SMS appended to `sms.jsonl`, one JSON object per line, in arrival order."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self._path = root / "sms.jsonl"
        self._lock = threading.Lock()
        self._clock = _Clock()
        self._by_key: dict[str, dict[str, str]] = {}
        self._items: list[dict[str, str]] = self._load()
        log.info("loaded %d stored sms", len(self._items))

    def _load(self) -> list[dict[str, str]]:
        try:
            data = self._path.read_bytes()
        except FileNotFoundError:
            return []
        if data and not data.endswith(b"\n"):
            # A torn last line from a crash mid-append; drop it so later appends stay parseable.
            data = data[: data.rfind(b"\n") + 1]
            _write_atomic(self._path, data)
        items: list[dict[str, str]] = []
        for line in data.splitlines():
            with contextlib.suppress(ValueError):
                item = json.loads(line)
                if isinstance(item, dict) and item.keys() >= set(SMS_FIELDS):
                    shown = {name: item[name] for name in SMS_FIELDS}
                    items.append(shown)
                    if isinstance(key := item.get(KEY_FIELD), str):
                        self._by_key.setdefault(key, shown)
        return items

    def add(self, to: str, text: str, key: str | None = None) -> tuple[dict[str, str], bool]:
        """Record one SMS; with an idempotency key already seen, the first one and False."""
        with self._lock:
            if key is not None and (first := self._by_key.get(key)) is not None:
                return first, False
            item = {
                "ID": str(uuid.uuid4()),
                "To": to,
                "Text": text,
                "Created": _created(self._clock.next()),
            }
            stored = {**item, KEY_FIELD: key} if key is not None else item
            with self._path.open("ab") as fh:
                fh.write(json.dumps(stored, ensure_ascii=False).encode() + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            self._items.append(item)
            if key is not None:
                self._by_key[key] = item
            return item, True

    def newest_first(self) -> list[dict[str, str]]:
        with self._lock:
            return list(reversed(self._items))

    def clear(self) -> int:
        with self._lock:
            count = len(self._items)
            _write_atomic(self._path, b"")
            self._items = []
            self._by_key = {}
            return count
