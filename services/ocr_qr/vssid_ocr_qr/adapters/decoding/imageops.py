"""Grey-image operations the preprocessing ladder combines; each returns a new uint8 image."""

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

Gray = NDArray[np.uint8]


def flatten(image: Image.Image) -> Image.Image:
    """The image as seen on a white page: transparency composited over white.

    QR generators often draw black modules on a transparent background; dropping the alpha
    channel would turn the background black as well, and the code would vanish.
    """
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    return image


def gray_image(image: Image.Image) -> Image.Image:
    """An 8-bit grey PIL image of `image` (flattened first); QR codes carry no colour."""
    image = flatten(image)
    return image if image.mode == "L" else image.convert("L")


def to_gray(image: Image.Image) -> Gray:
    """An 8-bit grey array of a PIL image (see `gray_image`)."""
    return np.asarray(gray_image(image), dtype=np.uint8)


def sharpen(gray: Gray, sigma: float = 2.0, amount: float = 1.0) -> Gray:
    """Unsharp mask: restores module edges softened by focus blur and JPEG."""
    blurred = cv2.GaussianBlur(gray, (0, 0), sigma)
    return np.asarray(cv2.addWeighted(gray, 1 + amount, blurred, -amount, 0), np.uint8)


def smooth(gray: Gray, sigma: float) -> Gray:
    """Gaussian blur: suppresses sensor noise and JPEG blocks before thresholding."""
    return np.asarray(cv2.GaussianBlur(gray, (0, 0), sigma), np.uint8)


def stretch(gray: Gray, cutoff: float = 1.0) -> Gray:
    """Contrast stretch: map the `cutoff`/100-`cutoff` percentiles to black and white."""
    image = ImageOps.autocontrast(Image.fromarray(gray), cutoff=cutoff)
    return np.asarray(image, np.uint8)


def equalize(gray: Gray) -> Gray:
    """Local histogram equalisation (CLAHE): evens out glare and shadows across the code."""
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    return np.asarray(clahe.apply(gray), np.uint8)


def upscale(gray: Gray, factor: float) -> Gray:
    """Cubic enlargement, so that small modules span enough pixels for the binarizers."""
    resized = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return np.asarray(resized, np.uint8)


def downscale(gray: Gray, factor: float) -> Gray:
    """Area-averaged shrink: no aliasing of fine module patterns."""
    resized = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return np.asarray(resized, np.uint8)


def threshold(gray: Gray, block: int) -> Gray:
    """Adaptive (local Gaussian) threshold with an odd `block` size in pixels."""
    block |= 1
    binary = cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 5
    )
    return np.asarray(binary, np.uint8)


def rotate(gray: Gray, degrees: float) -> Gray:
    """Rotate about the centre on an enlarged canvas, edges replicated (no black wedges)."""
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    turned = cv2.warpAffine(gray, matrix, (new_w, new_h), borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(turned, np.uint8)
