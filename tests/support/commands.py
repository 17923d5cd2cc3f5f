"""What a MongoDB client sends, for the round-trip tests (issue 13): a command listener."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pymongo import monitoring

# Reads and writes; not the handshakes, heartbeats, index builds or `endSessions` around them.
OPS = ("find", "insert", "update", "delete", "findAndModify", "aggregate", "count")


class Sent(list[str]):
    """The names of the commands sent, in order; `pairs` the same with their collections."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []

    def by_collection(self) -> Counter[tuple[str, str]]:
        return Counter(self.pairs)


@dataclass
class Commands(monitoring.CommandListener):
    """Records what is sent while `on` (see `during`)."""

    sent: Sent = field(default_factory=Sent)
    on: bool = False

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if self.on and name in OPS:
            self.sent.append(name)
            self.sent.pairs.append((name, str(event.command[name])))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def during(self) -> Counting:
        return Counting(self)


class Counting:
    """`with commands.during() as sent:` what the block sends, and only that."""

    def __init__(self, commands: Commands) -> None:
        self.commands = commands

    def __enter__(self) -> Sent:
        self.commands.sent = Sent()
        self.commands.on = True
        return self.commands.sent

    def __exit__(self, *exc: object) -> None:
        self.commands.on = False
