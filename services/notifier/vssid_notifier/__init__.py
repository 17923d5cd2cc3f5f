"""vssid_notifier."""
