"""`python -m vssid_review`: serve the review API and page."""

from __future__ import annotations

import uvicorn

from vssid_review.entrypoints.api import create_app
from vssid_review.settings import ReviewSettings


def main() -> None:
    settings = ReviewSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.review_port,
        log_config=None,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
