"""Which uploads may become an organisation's logo: PNG and JPEG by their structure only."""

from __future__ import annotations

import hashlib
import struct

import pytest

from assessment.services.branding import CheckedLogo, check_logo, kilobytes, logo_kind

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_header(width: int, height: int, length: int = 13, kind: bytes = b"IHDR") -> bytes:
    return SIGNATURE + struct.pack(">I4sIIBBBBB", length, kind, width, height, 8, 2, 0, 0, 0)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (png_header(64, 32) + b"\x00" * 20, "png"),
        (png_header(4000, 4000) + b"\x00" * 20, "png"),
        (png_header(4001, 10) + b"\x00" * 20, None),  # wider than any header needs
        (png_header(0, 10) + b"\x00" * 20, None),
        (png_header(10, 10, kind=b"tEXt") + b"\x00" * 20, None),  # IHDR must come first
        (png_header(10, 10, length=14) + b"\x00" * 20, None),
        (SIGNATURE, None),  # a signature and nothing else
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100 + b"\xff\xd9", "jpeg"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, None),  # no end of image
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"GIF89a" + b"\x00" * 20, None),
        (b"", None),
    ],
    ids=[
        "png",
        "png-largest",
        "png-too-wide",
        "png-zero-width",
        "png-no-header-first",
        "png-bad-header-length",
        "png-signature-only",
        "jpeg",
        "jpeg-truncated",
        "svg",
        "gif",
        "empty",
    ],
)
def test_logo_kind_judges_the_content(data: bytes, kind: str | None) -> None:
    assert logo_kind(data) == kind


def test_check_logo_keeps_a_png_under_its_hash() -> None:
    data = png_header(10, 10) + b"\x00" * 20
    assert check_logo(data, 1024) == CheckedLogo(
        hashlib.sha256(data).hexdigest(), "image/png", len(data)
    )


@pytest.mark.parametrize(
    ("data", "limit", "words"),
    [
        (b"", 1024, "empty"),
        (png_header(10, 10) + b"\x00" * 2048, 1024, "at most 1 KB"),
        (b"not an image at all", 1024, "not a PNG or JPEG"),
    ],
    ids=["empty", "too-large", "not-an-image"],
)
def test_check_logo_says_why_it_refuses(data: bytes, limit: int, words: str) -> None:
    refused = check_logo(data, limit)
    assert isinstance(refused, str) and words in refused


@pytest.mark.parametrize(
    ("size", "text"), [(1, "1 KB"), (1024, "1 KB"), (500 * 1024, "500 KB")], ids=str
)
def test_kilobytes_reads_as_people_say_it(size: int, text: str) -> None:
    assert kilobytes(size) == text
