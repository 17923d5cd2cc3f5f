"""vssid_ocr_qr."""
