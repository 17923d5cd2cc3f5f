"""Command line entry point: `python -m vssid.catcher`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from vssid.catcher.server import CatcherConfig, serve

log = logging.getLogger("vssid.catcher")


def parse_args(argv: list[str] | None = None) -> CatcherConfig:
    """Build the config from arguments, falling back to the stack's environment variables."""
    data_root = Path(os.environ.get("VSSID_DATA_DIR", ".data"))
    parser = argparse.ArgumentParser(
        prog="python -m vssid.catcher",
        description="Dev SMTP and SMS catcher with a Mailpit-compatible HTTP API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address for both listeners")
    parser.add_argument("--smtp-port", type=int, default=os.environ.get("VSSID_SMTP_PORT", "1025"))
    parser.add_argument(
        "--http-port", type=int, default=os.environ.get("VSSID_MAIL_HTTP_PORT", "8025")
    )
    parser.add_argument("--data-dir", type=Path, default=data_root / "mail")
    args = parser.parse_args(argv)
    return CatcherConfig(
        host=args.host, smtp_port=args.smtp_port, http_port=args.http_port, data_dir=args.data_dir
    )


async def _run(config: CatcherConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(config, stop)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = parse_args(argv)
    try:
        asyncio.run(_run(config))
    except OSError as exc:
        log.error("cannot start the catcher: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
