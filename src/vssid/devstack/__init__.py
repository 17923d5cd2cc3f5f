"""The embedded dev stack: supervised processes, servers, configuration and `vssid dev`."""

from vssid.devstack.config import StackConfig
from vssid.devstack.servers import Stack, free_port, free_ports, start_servers, stop_servers
from vssid.devstack.supervisor import ManagedProcess, ProcessFailedError

__all__ = [
    "ManagedProcess",
    "ProcessFailedError",
    "Stack",
    "StackConfig",
    "free_port",
    "free_ports",
    "start_servers",
    "stop_servers",
]
