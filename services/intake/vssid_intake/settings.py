"""Intake's settings."""

from __future__ import annotations

from vssid_shared.settings import CommonSettings


class IntakeSettings(CommonSettings):
    intake_port: int = 8080
    max_image_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 50_000_000
    lookup_rate_per_minute: int = 20
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    agency_refresh_seconds: float = 60.0
    qr_decode_timeout_seconds: float = 20.0
    # Under NATS's default 1 MiB max_payload with room for headers; larger photos go by GridFS.
    qr_inline_max_bytes: int = 900 * 1024
    # Reconciler: a declaration still `submitted` this long after submission gets its event
    # again, checked this often, at most this many times.
    reconcile_after_seconds: float = 900.0
    reconcile_interval_seconds: float = 60.0
    reconcile_max_attempts: int = 5
