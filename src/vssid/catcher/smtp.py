"""aiosmtpd handler and server that accept every mail into the store."""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.smtp import SMTP, Envelope, Session

from vssid.catcher.store import MailStore

log = logging.getLogger(__name__)


class CatchAllHandler:
    """Accepts any sender and recipient; there is no relaying, only keeping."""

    def __init__(self, store: MailStore) -> None:
        self._store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        mail_from = envelope.mail_from or ""
        rcpts = list(envelope.rcpt_tos)
        try:
            # File writes fsync; keep them off the loop that also serves HTTP.
            msg_id = await asyncio.to_thread(self._store.add, raw, mail_from, rcpts)
        except OSError:
            log.exception("could not store a mail")
            return "451 Requested action aborted: local error in processing"
        # Addresses and bodies are personal data; counts and ids are enough to debug with.
        log.info("stored mail %s (%d bytes, %d recipients)", msg_id, len(raw), len(rcpts))
        return "250 Message accepted for delivery"


async def start_smtp(store: MailStore, host: str, port: int) -> asyncio.Server:
    """Listen for SMTP on the running loop (no auth, no TLS)."""
    # aiosmtpd logs every command line at INFO, MAIL FROM and RCPT TO addresses included.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = CatchAllHandler(store)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        # A fixed hostname: the default getfqdn() can stall on a machine without DNS.
        lambda: SMTP(handler, hostname="vssid-catcher", enable_SMTPUTF8=True, loop=loop),
        host=host,
        port=port,
    )
