"""`python -m vssid_notifier`: run the mail and SMS worker."""

from __future__ import annotations

from vssid_shared import loop


def main() -> None:
    from vssid_notifier.worker import app

    loop.run(app.run())


if __name__ == "__main__":
    main()
