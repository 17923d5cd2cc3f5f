"""The port every QR engine implements: an image in, raw payload bytes out."""

from typing import Protocol

from PIL import Image


class QrDecoder(Protocol):
    """A QR engine: raw payload bytes out, never a charset guess; [] when nothing is found."""

    name: str

    def decode(self, image: Image.Image) -> list[bytes]:
        """Return the raw bytes of every QR code found in `image` (any mode; grey is fastest)."""
        ...
