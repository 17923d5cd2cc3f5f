"""Every error ocr_qr's rules raise, in one place: a QR payload that cannot be read as a CCCD
or BHYT card."""

from __future__ import annotations


class PayloadError(ValueError):
    """A malformed payload; `message` is Vietnamese and says what a person can do about it."""

    code = "qr_payload_malformed"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class UnknownPayloadError(PayloadError):
    """A payload that is neither a CCCD nor a BHYT card: reported, never guessed."""

    code = "qr_payload_unknown"
