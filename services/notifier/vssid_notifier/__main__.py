"""`python -m vssid_notifier`: run the mail and SMS worker."""

from __future__ import annotations

import asyncio


def main() -> None:
    from vssid_notifier.worker import app

    asyncio.run(app.run())


if __name__ == "__main__":
    main()
