"""`python -m vssid_intake`: serve the intake API."""

from __future__ import annotations

import uvicorn

from vssid_intake.entrypoints.api import create_app
from vssid_intake.settings import IntakeSettings
from vssid_shared.headers import SecurityHeaders


def main() -> None:
    settings = IntakeSettings()
    uvicorn.run(
        # Wrapped again outside Starlette's ServerErrorMiddleware: a 500 answer is nosniff too.
        SecurityHeaders(create_app(settings)),
        host=settings.host,
        port=settings.intake_port,
        log_config=None,
        timeout_graceful_shutdown=10,
        **settings.uvicorn_proxy_options(),
    )


if __name__ == "__main__":
    main()
