"""Intake's settings."""

from __future__ import annotations

from vssid_shared.settings import CommonSettings


class IntakeSettings(CommonSettings):
    intake_port: int = 8080
    max_image_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 50_000_000
    lookup_rate_per_minute: int = 20
    # Login limits (README "Login, lockout and rate-limit policy"); minutes may be fractions.
    login_max_failures: int = 5  # per (login id, client address): the hard lock
    login_lockout_minutes: float = 15
    login_account_max_failures: int = 20  # per login id from all addresses: short and soft
    login_account_lockout_minutes: float = 5
    login_client_max_failures: int = 30  # per client address across login ids
    login_client_window_minutes: float = 10
    login_hash_workers: int = 1  # argon2 checks at once (each already uses several cores)
    login_hash_queue: int = 8  # more waiting than this: 503 at once, never an unbounded queue
    session_idle_minutes: float = 30
    session_absolute_minutes: float = 12 * 60
    agency_refresh_seconds: float = 60.0
    qr_decode_timeout_seconds: float = 20.0
    # Autofill photos are phone photos (12-20 MP; 24 MP allows a 6000x4000 camera), not the
    # 50 MP a stored upload may have: a decode's cost grows with the pixels it must search.
    decode_max_pixels: int = 24_000_000
    # Per client address: decodes per minute (shared by replicas, in MongoDB), and decodes in
    # flight at once (per replica), so one client never holds every decoder process.
    decode_rate_per_minute: int = 20
    decode_in_flight_per_client: int = 1
    # Under NATS's default 1 MiB max_payload with room for headers; larger photos go by GridFS.
    qr_inline_max_bytes: int = 900 * 1024
    # Reconciler: a declaration still `submitted` this long after submission gets its event
    # again, checked this often, at most this many times.
    reconcile_after_seconds: float = 900.0
    reconcile_interval_seconds: float = 60.0
    reconcile_max_attempts: int = 5
