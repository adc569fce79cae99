"""Evidence beside a fact's text reference: a link to a document store and an attached file.

A link is accepted only with http or https, so that no ``javascript:`` or ``data:`` address
ever becomes a clickable link on a committee member's page. A file is accepted only when its
content is one of a few document types (checked by its first bytes, not only its name): it is
later handed back as a download, and a file that claims to be a PDF but is HTML must not be.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

LINK_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 120


@dataclass(frozen=True)
class FileType:
    label: str
    mime: str
    extensions: tuple[str, ...]


FILE_TYPES = {
    "pdf": FileType("PDF", "application/pdf", (".pdf",)),
    "png": FileType("PNG image", "image/png", (".png",)),
    "jpeg": FileType("JPEG image", "image/jpeg", (".jpg", ".jpeg")),
    "text": FileType("plain text", "text/plain; charset=utf-8", (".txt",)),
    "csv": FileType("CSV", "text/csv; charset=utf-8", (".csv",)),
    "docx": FileType(
        "Word document (DOCX)",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    "xlsx": FileType(
        "Excel workbook (XLSX)",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
    ),
}
ALLOWED_EXTENSIONS = tuple(e for t in FILE_TYPES.values() for e in t.extensions)
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, plain text (.txt), CSV, Word (.docx) or Excel (.xlsx)"
# The member of an Office Open XML package that says which kind of document it is.
OFFICE_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


@dataclass(frozen=True)
class CheckedFile:
    """An attachment that passed the checks: what is stored and how it is shown."""

    sha256: str
    name: str  # sanitised, for display and the download's file name only
    mime: str
    size: int


def link_problem(url: str) -> str | None:
    """Why ``url`` cannot be kept as an evidence link; None for a plain http(s) address."""
    if len(url) > LINK_MAX_LENGTH:
        return f"The link is longer than {LINK_MAX_LENGTH} characters."
    if any(c.isspace() or unicodedata.category(c)[0] == "C" for c in url):
        return "The link must not contain spaces, line breaks or invisible characters."
    try:
        parts = urlsplit(url)
    except ValueError:
        return "That is not a web address; copy it from the browser's address bar."
    if parts.scheme.lower() not in ("http", "https"):
        return "Only web links are accepted: start the link with https:// or http://."
    if not parts.hostname:
        return "The link needs a server name, such as https://docs.example.com/…"
    return None


def link_text(url: str) -> str:
    """How a checked link reads in a table: the server it leads to ('Document on
    docs.example.com'), so that a reader sees where it goes before following it."""
    host = urlsplit(url).hostname or ""
    return f"Document on {host}" if host else "Link to the evidence"


def display_name(filename: str, kind: str) -> str:
    """The uploaded file's name as it may be shown: no folders, no control or invisible
    (bidirectional) characters, short enough for a table; never used as a path on disk."""
    base = re.split(r"[\\/]", filename)[-1]
    shown = "".join(
        c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C"
    )
    stem, dot, extension = re.sub(r"\s+", " ", shown).rpartition(".")
    if not dot:
        stem, extension = extension, ""
    suffix = (
        f".{extension.strip().lower()}" if extension.strip() else FILE_TYPES[kind].extensions[0]
    )
    stem = stem.strip(" .")[: NAME_MAX_LENGTH - len(suffix)].strip(" .") or "evidence"
    return stem + suffix


def check_file(filename: str, data: bytes, max_bytes: int) -> CheckedFile | str:
    """The file as it may be stored, or a message saying why it is refused."""
    if len(data) > max_bytes:
        return (
            f"The file is {megabytes(len(data))}; attach at most {megabytes(max_bytes)} "
            "(or give a link to where the document is kept)."
        )
    if not data:
        return "The file is empty."
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ALLOWED_EXTENSIONS:
        return f"Attach a {ALLOWED_DESCRIPTION} file."
    kind = content_kind(data)
    expected = next(k for k, t in FILE_TYPES.items() if extension in t.extensions)
    if kind is None or kind != expected and {kind, expected} != {"text", "csv"}:
        return (
            f"The file's content is not a {FILE_TYPES[expected].label}, although its name "
            f"ends in {extension}. Attach a {ALLOWED_DESCRIPTION} file."
        )
    return CheckedFile(
        sha256=hashlib.sha256(data).hexdigest(),
        name=display_name(filename, expected),
        mime=FILE_TYPES[expected].mime,
        size=len(data),
    )


def content_kind(data: bytes) -> str | None:
    """Which allowed type the bytes are, judged by their content; None for anything else.
    Text and CSV cannot be told apart by content: both are 'text' here."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    return "text" if _is_plain_text(data) else None


def _office_kind(data: bytes) -> str | None:
    """DOCX or XLSX by the parts the package lists (its directory only: nothing is unpacked)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((k for k, part in OFFICE_MAIN_PART.items() if part in names), None)


def _is_plain_text(data: bytes) -> bool:
    """UTF-8 without control characters other than tabs and line breaks."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text)


def megabytes(size: int) -> str:
    """E.g. '5 MB', '6.2 MB', '0.3 MB' (1 MB = 1,048,576 bytes, as file managers count)."""
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 10 or value.is_integer() else f"{value:.1f} MB"


def file_size(size: int) -> str:
    """A stored file's size for a table: '12 KB', '1.4 MB'."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return megabytes(size)
