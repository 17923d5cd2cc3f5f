"""Settings every service shares; each service extends them and builds one at startup."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me"  # the placeholder refused outside dev


class CommonSettings(BaseSettings):
    """Read from `VSSID_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="VSSID_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    host: str = "127.0.0.1"
    nats_url: str = "nats://127.0.0.1:4222"
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

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> CommonSettings:
        secret = self.secret_key.get_secret_value()
        if self.env == "prod" and (secret == DEV_SECRET or len(secret) < 32):
            raise ValueError("VSSID_SECRET_KEY must be set to a real secret of 32+ characters")
        return self
