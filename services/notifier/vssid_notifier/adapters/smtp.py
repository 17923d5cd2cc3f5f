"""Sending mail over SMTP with aiosmtplib; classifies failures as transient or permanent."""

from __future__ import annotations

import re
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from io import BytesIO
from urllib.parse import unquote, urlparse

import aiosmtplib

from vssid_notifier.domain.errors import PermanentDeliveryError
from vssid_notifier.domain.mail_headers import WirePolicy

# CPython's header folder (3.11, policy.SMTP at 78 columns) drops the space between two
# encoded words, so "giao dịch điện tử" arrives as "giao dịchđiện tử". Folding only at the
# RFC 5322 hard limit of 998 keeps Vietnamese subjects intact; aiosmtplib would fold at 78.
WIRE_POLICY = WirePolicy(linesep="\r\n", max_line_length=998)  # policy.SMTP, 998 columns


_LINE_END = re.compile(r"\r\n|\r|\n")  # email.generator.NLCRE, the endings it rewrites


class _WireGenerator(BytesGenerator):
    """`message.as_bytes()`'s generator, writing a body's lines in one piece.

    The stock generator splits a body into lines and writes each with its line ending: for
    the base64 PDF copy that is ~1,400 lines, two writes each. One substitution of the line
    endings writes exactly the same bytes (each `write` only encodes and appends).
    """

    def _write_lines(self, lines: str) -> None:
        if lines:
            self.write(_LINE_END.sub(self._NL, lines))  # type: ignore[attr-defined]  # set by flatten


def wire_bytes(message: EmailMessage) -> bytes:
    """What `message.as_bytes(policy=WIRE_POLICY)` gives, built the same way."""
    out = BytesIO()
    _WireGenerator(out, mangle_from_=False, policy=WIRE_POLICY).flatten(message, unixfrom=False)
    return out.getvalue()


__all__ = ["PermanentDeliveryError", "SmtpMailer", "wire_bytes"]


class SmtpMailer:
    def __init__(self, url: str, *, timeout: float) -> None:
        parsed = urlparse(url)
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or (465 if parsed.scheme == "smtps" else 25)
        self._tls = parsed.scheme == "smtps"
        # Only an explicit ?starttls asks for STARTTLS: the dev catcher speaks plain SMTP.
        self._starttls = "starttls" in (parsed.query or "")
        self._user = unquote(parsed.username) if parsed.username else None
        self._password = unquote(parsed.password) if parsed.password else None
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                wire_bytes(message),
                sender=parseaddr(str(message["From"]))[1],
                recipients=[addr for _, addr in getaddresses([str(message["To"])])],
                hostname=self._host,
                port=self._port,
                use_tls=self._tls,
                start_tls=self._starttls,
                username=self._user,
                password=self._password,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError("recipient refused") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentDeliveryError(f"smtp {exc.code}") from exc
            raise
