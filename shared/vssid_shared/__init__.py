"""vssid_shared."""
