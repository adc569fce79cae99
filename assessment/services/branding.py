"""An organisation's logo: which uploads may become the image shown in every member's header.

Only PNG and JPEG are accepted, judged by the content rather than the file's name, and SVG
never: an SVG is a document that can carry script. The checks read the format's own structure
(a PNG's first chunk is its header, a JPEG starts with a start-of-image marker and holds an
end-of-image marker), so that a text file renamed ``logo.png`` is refused with a clear message.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Final

PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
JPEG_START: Final = b"\xff\xd8\xff"
JPEG_END: Final = b"\xff\xd9"
MIME: Final = {"png": "image/png", "jpeg": "image/jpeg"}
# A header shows the logo a few dozen pixels high; a larger image only costs every page view.
MAX_SIDE: Final = 4000


@dataclass(frozen=True)
class CheckedLogo:
    """A logo that passed the checks: kept under its SHA-256, served with ``mime``."""

    sha256: str
    mime: str
    size: int


def logo_kind(data: bytes) -> str | None:
    """``png`` or ``jpeg`` when the bytes are such an image by their structure, else None."""
    if data.startswith(PNG_SIGNATURE):
        header = data[len(PNG_SIGNATURE) : len(PNG_SIGNATURE) + 24]
        if len(header) < 24 or header[4:8] != b"IHDR":
            return None
        length, _, width, height = struct.unpack(">I4sII", header[:16])
        return "png" if length == 13 and 0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE else None
    if data.startswith(JPEG_START) and JPEG_END in data[len(JPEG_START) :]:
        return "jpeg"
    return None


def check_logo(data: bytes, max_bytes: int) -> CheckedLogo | str:
    """The logo as it may be stored, or a message saying why it is refused."""
    if not data:
        return "The file is empty. Choose a PNG or JPEG image."
    if len(data) > max_bytes:
        return (
            f"The image is {kilobytes(len(data))}; a logo may have at most "
            f"{kilobytes(max_bytes)}. Save it smaller (a logo needs no more than a few hundred "
            "pixels across) and upload it again."
        )
    kind = logo_kind(data)
    if kind is None:
        return (
            "The file is not a PNG or JPEG image (its content was checked, not only its name). "
            "Export the logo as PNG or JPEG, at most "
            f"{MAX_SIDE} pixels on each side, and upload that."
        )
    return CheckedLogo(hashlib.sha256(data).hexdigest(), MIME[kind], len(data))


def kilobytes(size: int) -> str:
    """A size as people read it: '480 KB'."""
    return f"{max(1, round(size / 1024))} KB"
