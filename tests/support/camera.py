"""A fake camera for Chromium: a Y4M video of a card's QR held close, for
`--use-file-for-fake-video-capture` (frames in 4:2:0 YUV, the format Chromium reads)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import segno
from PIL import Image

WIDTH, HEIGHT, FRAMES = 640, 480, 10


def qr_frame(payload: str) -> Image.Image:
    """A frame with the QR code filling most of its height, slightly grey (a lit card)."""
    qr = segno.make(payload, error="m", micro=False)
    side = HEIGHT - 80
    scale = max(1, side // (qr.symbol_size(border=4)[0]))
    img = Image.new("L", (WIDTH, HEIGHT), 200)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=scale, border=4)
    code = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    img.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    return img.convert("RGB")


def write_y4m(path: Path, frame: Image.Image, frames: int = FRAMES) -> Path:
    ycbcr = np.asarray(frame.convert("YCbCr"), dtype=np.uint8)
    y = ycbcr[:, :, 0]
    # 4:2:0: chroma halved both ways (a 2x2 average).
    cb = ycbcr[:, :, 1].reshape(HEIGHT // 2, 2, WIDTH // 2, 2).mean(axis=(1, 3)).astype(np.uint8)
    cr = ycbcr[:, :, 2].reshape(HEIGHT // 2, 2, WIDTH // 2, 2).mean(axis=(1, 3)).astype(np.uint8)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(y.tobytes() + cb.tobytes() + cr.tobytes())
    return path
