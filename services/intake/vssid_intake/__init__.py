"""vssid_intake."""
