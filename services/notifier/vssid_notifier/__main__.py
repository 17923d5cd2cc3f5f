"""`python -m vssid_notifier`: run the mail and SMS worker."""

from __future__ import annotations

from vssid_shared import loop


def main() -> None:
    from vssid_notifier.bootstrap import bootstrap
    from vssid_notifier.settings import NotifierSettings

    loop.run(bootstrap(NotifierSettings()).app.run())


if __name__ == "__main__":
    main()
