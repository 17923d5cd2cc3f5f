"""Settings every service shares; each service extends them and builds one at startup."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vssid_shared.secrets_check import secret_problem

DEV_SECRET = "dev-only-secret-change-me"  # the placeholder refused outside dev

# What every URL to the embedded MongoDB-protocol server (SecantusDB: `vssid dev`, the tests,
# the local container stand-in) carries. `directConnection`: it advertises a one-member replica
# set; a direct connection skips discovery. `retryWrites=false`: SecantusDB keeps the reply of
# every retryable write for 30 minutes (up to 10,000) and walks the whole record on each write,
# so with the driver's default a write costs more the more were written in the last half hour
# (a third of its CPU after 250 declarations; README "Fourth round"). Nothing of ours leans on
# the driver's one retry: every write is conditional or idempotent and a failed one comes back
# by redelivery, the next pass or the client's retry after a 503. Production URLs name a real
# replica set and keep `retryWrites=true` (README "Production").
EMBEDDED_MONGO_QUERY = "directConnection=true&retryWrites=false"


@dataclass(frozen=True)
class PortUrl:
    """A URL setting that, when not given, is built from `host` and a port setting."""

    url: str  # the URL setting's name, e.g. "nats_url"
    port: str  # the port setting's name, e.g. "nats_port"
    template: str  # with `{host}` and `{port}`


def with_derived_urls(
    values: dict[str, Any], urls: Iterable[PortUrl], default_ports: Mapping[str, int]
) -> dict[str, Any]:
    """`values` with each of `urls` that is unset filled from host and its port (or default)."""
    host = str(values.get("host") or "127.0.0.1")
    derived = dict(values)
    for url in urls:
        if not values.get(url.url):
            port = int(values.get(url.port) or default_ports[url.port])
            derived[url.url] = url.template.format(host=host, port=port)
    return derived


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
    mongo_url: str = f"mongodb://127.0.0.1:27017/?{EMBEDDED_MONGO_QUERY}"
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
    # Copies JetStream keeps of every stream and durable consumer: 1 on one server (dev, tests),
    # 3 on a 3-node cluster in production (survives the loss of any one node). The bootstrap
    # applies it to existing streams and consumers too.
    nats_replicas: int = Field(default=1, ge=1, le=5)
    # Messages a durable subscriber fetches per pull request (each still acked on its own and
    # handled concurrently with the rest of its batch); 1 is one NATS round trip per message.
    pull_batch_size: int = Field(default=4, ge=1, le=64)
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto name the client (comma-separated IPs or
    # CIDRs, `*` for all). Empty: trust nobody, the TCP peer is the client (rate limits, audit).
    trusted_proxies: str = ""
    # Workers serve Prometheus metrics on this port (0: not served); intake and review on
    # their own port at /metrics. A token, if set, is required as `Authorization: Bearer`.
    metrics_port: int = 0
    metrics_token: SecretStr | None = None
    # OpenTelemetry traces (off unless an OTLP/HTTP endpoint is set, e.g. http://otel:4318).
    otel_endpoint: str | None = None
    otel_sample_ratio: float = 1.0
    # The ports `vssid dev` binds: with no URL set, the URLs are built from host and these, so
    # every CLI command and service reaches the same servers as `vssid dev` (one set of names).
    nats_port: int = 4222
    mongo_port: int = 27017
    # The URLs so derived; a service's settings add theirs to these.
    port_urls: ClassVar[tuple[PortUrl, ...]] = (
        PortUrl("nats_url", "nats_port", "nats://{host}:{port}"),
        PortUrl("mongo_url", "mongo_port", "mongodb://{host}:{port}/?" + EMBEDDED_MONGO_QUERY),
    )

    @model_validator(mode="before")
    @classmethod
    def _urls_from_ports(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        # A port's default is its field's: one number per port, here and in the tuple alike.
        defaults = {u.port: cls.model_fields[u.port].default for u in cls.port_urls}
        return with_derived_urls(values, cls.port_urls, defaults)

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> CommonSettings:
        if self.env == "prod":
            problem = secret_problem(self.secret_key.get_secret_value(), DEV_SECRET)
            if problem:
                raise ValueError(problem)
        return self

    def metrics_token_value(self) -> str | None:
        return self.metrics_token.get_secret_value() if self.metrics_token else None

    def uvicorn_proxy_options(self) -> dict[str, Any]:
        """uvicorn's proxy options from `trusted_proxies`.

        uvicorn alone trusts X-Forwarded-For from 127.0.0.1 (or `FORWARDED_ALLOW_IPS`), so any
        local process could pose as any address; here nothing is trusted unless configured.
        """
        trusted = ",".join(p.strip() for p in self.trusted_proxies.split(",") if p.strip())
        if not trusted:
            return {"proxy_headers": False, "forwarded_allow_ips": ""}
        return {"proxy_headers": True, "forwarded_allow_ips": trusted}
