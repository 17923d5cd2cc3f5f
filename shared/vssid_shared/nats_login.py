"""How a process logs in to NATS: its URL, its own user and password, its inbox and TLS."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
from faststream.nats.security import NatsSecurity, NatsUserPassword
from nats.aio.client import Client

from vssid_shared.nats_access import inbox_prefix
from vssid_shared.settings import CommonSettings


@dataclass(frozen=True)
class NatsLogin:
    """Everything nats-py needs to connect as one user; `repr` never shows the password."""

    url: str
    user: str | None = None
    password: str | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    def __repr__(self) -> str:
        return f"NatsLogin(url={self.url!r}, user={self.user!r})"

    @property
    def servers(self) -> list[str]:
        """The cluster's seed URLs: `url` may list several, comma-separated (any one answering
        is enough; the client learns the others from it and fails over between them)."""
        return [part.strip() for part in self.url.split(",") if part.strip()]

    @classmethod
    def from_settings(cls, settings: CommonSettings) -> NatsLogin:
        if settings.env == "prod" and not settings.nats_user:
            # Production never talks to an open NATS: refuse rather than try anonymously.
            raise ValueError("VSSID_NATS_USER and VSSID_NATS_PASSWORD must be set in prod")
        password = settings.nats_password.get_secret_value() if settings.nats_password else None
        if password is None and settings.nats_password_file is not None:
            password = Path(settings.nats_password_file).read_text(encoding="utf-8").strip()
        return cls(
            url=settings.nats_url,
            user=settings.nats_user,
            password=password,
            ca_file=settings.nats_ca_file,
            cert_file=settings.nats_cert_file,
            key_file=settings.nats_key_file,
        )

    def as_user(self, user: str, password: str) -> NatsLogin:
        """The same server, another user (tests and tools that act as a given service)."""
        return NatsLogin(self.url, user, password, self.ca_file, self.cert_file, self.key_file)

    def tls_context(self) -> ssl.SSLContext | None:
        """A verifying client context for `tls://` URLs or a configured CA; else None."""
        if not (self.ca_file or any(url.startswith("tls://") for url in self.servers)):
            return None
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.cert_file:
            context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def inbox_prefix(self) -> str:
        """Replies (JetStream answers, autofill decodes) come to this user's private inbox."""
        return inbox_prefix(self.user) if self.user else "_INBOX"

    def options(self) -> dict[str, Any]:
        """Keyword arguments for `nats.connect`."""
        options: dict[str, Any] = {"inbox_prefix": self.inbox_prefix()}
        if self.user:
            options.update(user=self.user, password=self.password or "")
        context = self.tls_context()
        if context is not None:
            options["tls"] = context
        return options

    def security(self) -> NatsSecurity | None:
        """The same login for FastStream's `NatsBroker(security=...)`."""
        context = self.tls_context()
        if self.user:
            return NatsUserPassword(self.user, self.password or "", ssl_context=context)
        return NatsSecurity(ssl_context=context) if context is not None else None

    def env(self) -> dict[str, str]:
        """The VSSID_NATS_* variables that make a child process log in as this user."""
        env = {"VSSID_NATS_URL": self.url}
        if self.user:
            env.update(VSSID_NATS_USER=self.user, VSSID_NATS_PASSWORD=self.password or "")
        return env

    async def connect(self, **kwargs: Any) -> Client:
        return await nats.connect(self.servers, **{**self.options(), **kwargs})


def settings_login() -> NatsLogin:
    """The login of this process, from its VSSID_NATS_* environment variables."""
    return NatsLogin.from_settings(CommonSettings())
