"""vssid."""
