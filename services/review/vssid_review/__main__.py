"""`python -m vssid_review`: serve the review API and page."""

from __future__ import annotations

from types import FrameType

import uvicorn

from vssid_review.entrypoints.api import create_app
from vssid_review.entrypoints.events import StreamGate
from vssid_review.settings import ReviewSettings
from vssid_shared.headers import SecurityHeaders


class _Server(uvicorn.Server):
    """uvicorn's server, closing the event streams as soon as a stop signal arrives: uvicorn
    only waits for open responses to finish, and an event stream never would on its own."""

    def __init__(self, config: uvicorn.Config, gate: StreamGate) -> None:
        super().__init__(config)
        self._gate = gate

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._gate.close()
        super().handle_exit(sig, frame)


def main() -> None:
    settings = ReviewSettings()
    app = create_app(settings)
    config = uvicorn.Config(
        # Wrapped again outside Starlette's ServerErrorMiddleware: a 500 answer is nosniff too.
        SecurityHeaders(app),
        host=settings.host,
        port=settings.review_port,
        log_config=None,
        timeout_graceful_shutdown=5,
        **settings.uvicorn_proxy_options(),
    )
    _Server(config, app.state.event_streams).run()


if __name__ == "__main__":
    main()
