"""The `vssid` command: the dev stack, operators and the insured-persons registry."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from vssid.commands import agencies, config, deadletters, events, nats_users, operators, registry


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="vssid", description="VssID backend tools")
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("dev", help="run the whole system on the embedded stack (make dev)")
    operators.add_parser(sub)
    registry.add_parser(sub)
    agencies.add_parser(sub)
    deadletters.add_parser(sub)
    events.add_parser(sub)
    nats_users.add_parser(sub)
    config.add_parser(sub)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "dev":
        from vssid.devstack.config import StackConfig
        from vssid.devstack.runner import run_dev

        return run_dev(StackConfig.from_env())
    handler = args.handler
    code: int = asyncio.run(handler(args))
    return code


if __name__ == "__main__":
    sys.exit(main())
