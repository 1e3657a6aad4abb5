"""Colour photographs as float RGB arrays (for the optimal-transport colour transfer).

The two shipped photographs, ``data/rocket.jpg`` (SpaceX, public domain) and ``data/coffee.jpg``
(Rachel Michetti, CC0), are scikit-image's bundled sample images downscaled to 480×320; any PNG or
JPEG path (e.g. the course's ``ocean_day.jpg``) loads the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from anndl.data.paths import resolve
from anndl.errors import DataError


def _short_jpeg_scan(path: Path) -> str:
    """Why a baseline JPEG's compressed data cannot hold its picture ("" when it can, or it is no
    baseline JPEG). Each 8×8 block of a baseline JPEG costs at least 2 bits (a DC code and an
    end-of-block code, with Huffman codes of 1 bit at least); libjpeg fills a picture whose data end
    early with grey and only warns, which Pillow does not pass on."""
    data = path.read_bytes()
    if not data.startswith(b"\xff\xd8"):
        return ""
    sof = data.find(b"\xff\xc0")
    sof = sof if sof >= 0 else data.find(b"\xff\xc1")
    sos = data.find(b"\xff\xda")
    if sof < 0 or sos < 0 or len(data) < sof + 9 or len(data) < sos + 4:
        return ""
    height, width = int.from_bytes(data[sof + 5:sof + 7], "big"), int.from_bytes(data[sof + 7:sof + 9], "big")
    scan_start = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")
    end = data.rfind(b"\xff\xd9")
    scan = (end if end > scan_start else len(data)) - scan_start
    needed = -(-width // 8) * -(-height // 8) // 4  # bytes: 2 bits for each luminance block
    return f"{scan} bytes of compressed data for a {width}x{height} picture, which needs at least {needed}" \
        if scan < needed else ""


def load_rgb(path: str | Path, max_side: int | None = None) -> np.ndarray:
    """Read a PNG/JPEG photograph as float32 (height, width, 3) RGB in [0, 1].

    Grey images are repeated over the three channels and an alpha channel is dropped.
    ``max_side`` (pixels) shrinks larger images, keeping the aspect ratio.
    ``path`` is absolute, relative to the working directory, or a name in the repository's
    ``data/`` folder (``rocket.jpg``). Raises DataError for a missing file or one that cannot be
    decoded as an image.
    """
    path = resolve(path, "image file")
    try:
        with Image.open(path) as image:
            image.load()
            if max_side is not None and max(image.size) > max_side:
                scale = max_side / max(image.size)
                size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
                image = image.resize(size, Image.Resampling.LANCZOS)
            mode = image.mode
            if mode in ("I;16", "I;16B", "I;16L", "I"):
                pixels = np.asarray(image, dtype=np.float64) / 65535.0
            else:
                pixels = np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"{path}: cannot decode as an image ({type(exc).__name__}: {exc})") from None
    short = _short_jpeg_scan(path)
    if short:
        raise DataError(f"{path}: cannot decode as an image (a corrupt JPEG: {short})")
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.size == 0:
        raise DataError(f"{path}: expected an RGB image, got an array of shape {pixels.shape}")
    return np.clip(pixels, 0.0, 1.0).astype(np.float32)
