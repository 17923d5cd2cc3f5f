"""Subcommands of `vssid`."""
