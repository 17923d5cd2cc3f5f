"""Bench: what `sync_interval: always` costs JetStream publishes, against the default.

Starts two nats-servers on free ports, as `vssid dev` configures them (users, permissions,
file storage), one with `sync_interval: always` (fsync before every PubAck) and one with
nats-server's default (fsync every 2 minutes). Publishes N acked 1 KiB events to each as
intake: first one at a time (each waits for its ack, as intake's outbox does), then with
`--window` publishes in flight. Prints rates, latency percentiles and the ratios.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench is not installed

from bench.publishes import Rates, arguments, declare_streams, measure, print_header, print_ratio
from vssid.devstack.servers import Stack, config_on_free_ports, nats_process


def measure_server(label: str, sync_interval: str, n: int, window: int) -> Rates:
    """Both modes on a fresh server with this fsync policy."""
    with tempfile.TemporaryDirectory() as tmp:
        config = replace(config_on_free_ports(Path(tmp)), nats_sync_interval=sync_interval)
        (Path(tmp) / "nats").mkdir()
        server = nats_process(config, Path(tmp) / "nats", echo=False).start()
        try:
            server.wait_http(f"{config.nats_monitor_url}/healthz?js-enabled-only=true", 60)
            stack = Stack.from_config(config)
            declare_streams(stack.nats_login("bootstrap"))
            login = stack.nats_login("intake")
            return measure(label, login, n, window, label_width=22, rate_width=8)
        finally:
            server.stop(10)


def main() -> None:
    args = arguments(__doc__, default_n=2000)
    print_header(args, f"store in {tempfile.gettempdir()}")
    default = measure_server("default (2 min fsync)", "2m", args.n, args.window)
    always = measure_server("sync_interval always", "always", args.n, args.window)
    print_ratio("always / default", always, default)


if __name__ == "__main__":
    main()
