"""The preprocessing ladder: tries engines on ever more processed images until a card QR reads."""

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from vssid_ocr_qr.adapters.decoding.imageops import Gray, to_gray
from vssid_ocr_qr.adapters.decoding.port import QrDecoder
from vssid_ocr_qr.adapters.decoding.steps import DEFAULT_STEPS, Frame, Step
from vssid_ocr_qr.domain.payloads import (
    ParsedPayload,
    PayloadError,
    decode_payload_bytes,
    parse_payload,
)


@dataclass(frozen=True, slots=True)
class LadderResult:
    """The first card payload read: NFC text, its parse, and which engine and step found it.

    `payload_text` is for the caller's immediate use: store `parsed.fields`, never the raw
    string (personal-data law, DOMAIN.md §9).
    """

    payload_text: str
    parsed: ParsedPayload
    engine: str
    step: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Rejection:
    """A QR that was read but is not a card payload (kept as a reason, never as raw content)."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """Everything one photo yielded: the card payload if any, and the QR codes turned down."""

    result: LadderResult | None
    rejections: tuple[Rejection, ...]
    attempts: int


class LadderDecoder:
    """Runs `engines` over each step's candidate images and stops at the first card payload.

    Pure CPU work, no I/O and no shared state: safe to ship to a process pool.
    """

    def __init__(self, engines: Sequence[QrDecoder], steps: Sequence[Step] = DEFAULT_STEPS) -> None:
        usable = tuple(engine for engine in engines if getattr(engine, "available", True))
        if not usable:
            raise ValueError("no QR engine is available")
        self.engines = usable
        self.steps = tuple(steps)

    def decode_card(self, image: Image.Image) -> LadderResult | None:
        """The first CCCD or BHYT payload found in `image`, or None."""
        return self.scan(image).result

    def scan(self, image: Image.Image) -> ScanOutcome:
        """Climb the ladder on `image`; report the card payload and any non-card QR codes."""
        frame = Frame(to_gray(image))
        rejections: dict[Rejection, None] = {}  # ordered set: the same QR recurs across steps
        attempts = 0
        for step in self.steps:
            engines = self._engines_for(step)
            if not engines:
                continue
            for candidate in step.candidates(frame):
                for engine in engines:
                    attempts += 1
                    parsed = self._first_card(engine, candidate, rejections)
                    if parsed is not None:
                        text, payload = parsed
                        found = LadderResult(text, payload, engine.name, step.name, attempts)
                        return ScanOutcome(found, tuple(rejections), attempts)
        return ScanOutcome(None, tuple(rejections), attempts)

    def _engines_for(self, step: Step) -> tuple[QrDecoder, ...]:
        if step.engines == "primary":
            return self.engines[:1]
        if step.engines == "secondary":
            return self.engines[1:]
        return self.engines

    @staticmethod
    def _first_card(
        engine: QrDecoder, candidate: Gray, rejections: dict[Rejection, None]
    ) -> tuple[str, ParsedPayload] | None:
        for raw in engine.decode(Image.fromarray(candidate)):
            try:
                text = decode_payload_bytes(raw)
                return text, parse_payload(text)
            except PayloadError as error:
                rejections[Rejection(error.code, error.message)] = None
        return None
