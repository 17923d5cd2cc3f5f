"""vssid_review."""
