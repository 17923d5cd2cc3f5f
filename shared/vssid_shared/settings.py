"""Settings every service shares; each service extends them and builds one at startup."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vssid_shared.secrets_check import secret_problem

DEV_SECRET = "dev-only-secret-change-me"  # the placeholder refused outside dev


class CommonSettings(BaseSettings):
    """Read from `VSSID_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="VSSID_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    host: str = "127.0.0.1"
    nats_url: str = "nats://127.0.0.1:4222"
    # This process's own NATS user (README "NATS credentials and permissions"); the password
    # directly or from a file (a compose/Kubernetes secret). None: an unauthenticated server.
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    nats_password_file: str | None = None
    # TLS in production: a `tls://` URL verifies against the system CAs, or this CA bundle;
    # a client certificate and key if the server asks for one (mutual TLS).
    nats_ca_file: str | None = None
    nats_cert_file: str | None = None
    nats_key_file: str | None = None
    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_db: str = "vssid"
    # How long a request waits for a reachable MongoDB before it answers 503: short, so that
    # during an outage requests fail fast instead of piling up.
    mongo_server_selection_timeout_ms: int = 2500
    # How long one operation waits on a server that accepted it but does not answer (frozen):
    # then 503, rather than a request hanging until the client gives up. Far above any
    # operation of ours, even on a loaded machine.
    mongo_socket_timeout_ms: int = 15000
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    log_level: str = "INFO"
    # How long JetStream waits for an ack before redelivering: longer than the slowest handler.
    ack_wait_seconds: float = 60.0
    # Messages a durable subscriber fetches per pull request (each still acked on its own and
    # handled concurrently with the rest of its batch); 1 is one NATS round trip per message.
    pull_batch_size: int = Field(default=4, ge=1, le=64)
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto name the client (comma-separated IPs or
    # CIDRs, `*` for all). Empty: trust nobody, the TCP peer is the client (rate limits, audit).
    trusted_proxies: str = ""

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> CommonSettings:
        if self.env == "prod":
            problem = secret_problem(self.secret_key.get_secret_value(), DEV_SECRET)
            if problem:
                raise ValueError(problem)
        return self

    def uvicorn_proxy_options(self) -> dict[str, Any]:
        """uvicorn's proxy options from `trusted_proxies`.

        uvicorn alone trusts X-Forwarded-For from 127.0.0.1 (or `FORWARDED_ALLOW_IPS`), so any
        local process could pose as any address; here nothing is trusted unless configured.
        """
        trusted = ",".join(p.strip() for p in self.trusted_proxies.split(",") if p.strip())
        if not trusted:
            return {"proxy_headers": False, "forwarded_allow_ips": ""}
        return {"proxy_headers": True, "forwarded_allow_ips": trusted}
