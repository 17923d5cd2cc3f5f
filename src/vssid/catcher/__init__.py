"""Dev SMTP and SMS catcher serving a Mailpit-compatible HTTP API."""

from vssid.catcher.server import CatcherConfig, serve

__all__ = ["CatcherConfig", "serve"]
