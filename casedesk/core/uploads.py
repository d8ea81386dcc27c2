"""Checks on uploaded files: size, the kinds customers may send (an allow-list), content
that runs or carries macros whatever its name, and a safe display name."""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import Storage
from django.db import transaction

from casedesk.core.errors import Refused

# What customers may send: documents, images, logs and traces, packet and call captures,
# recordings, archives. An allow-list, so a kind nobody thought of (.chm, .xsl) is refused
# rather than passed; staff see the refusal's reason and the sender is told.
ALLOWED_EXTENSIONS = frozenset(
    [
        "pdf",
        "txt",
        "log",
        "csv",
        "tsv",
        "md",
        "rtf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "odt",
        "ods",
        "odp",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "bmp",
        "tif",
        "tiff",
        "heic",
        "pcap",
        "pcapng",
        "cap",
        "har",
        "eml",
        "msg",
        "wav",
        "mp3",
        "ogg",
        "opus",
        "m4a",
        "mp4",
        "mov",
        "webm",
        "zip",
        "gz",
        "tgz",
        "tar",
        "7z",
        "bz2",
        "xz",
    ]
)
# Office kinds that carry macros by design.
MACRO_EXTENSIONS = frozenset(
    ["docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppsm", "ppam", "sldm"]
)
BLOCKED_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "application/javascript",
        "text/javascript",
        "application/x-msdownload",
        "application/x-sh",
    }
)
# Content that runs, whatever the name says: Windows, Linux and macOS executables, scripts.
RUNNABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
OOXML_EXTENSIONS = frozenset({"docx", "xlsx", "pptx"})


@dataclass(frozen=True)
class Upload:
    """A file as received from any channel, before it is checked and stored."""

    name: str
    content: bytes
    content_type: str = ""

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def clean_name(name: str) -> str:
    """A display name with no path, control characters or shell-unfriendly characters."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name)
    name = re.sub(r"[^\w.\- ()]+", "_", name).strip(" ._")
    if not name:
        name = "attachment"
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        return f"{stem[: 110 - len(ext)]}.{ext}"
    return name[:120]


def check_upload(upload: Upload) -> tuple[str, str]:
    """Refuse an oversized or unsafe file; return its clean name and the type to store."""
    limit = settings.CASEDESK_ATTACHMENT_MAX_BYTES
    name = clean_name(upload.name)
    if upload.size == 0:
        raise Refused(f"The file {name} is empty.")
    if upload.size > limit:
        raise Refused(
            f"The file {name} is {upload.size / 1048576:.1f} MB; the limit is "
            f"{limit / 1048576:.0f} MB per file."
        )
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    guessed = mimetypes.guess_type(name)[0] or ""
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if ext in MACRO_EXTENSIONS or has_macros(upload.content, ext):
        raise Refused(
            f"The file {name} contains macros, which could run on opening; please save it "
            "without macros (for example as .docx, .xlsx or PDF) and send it again."
        )
    if (
        ext not in ALLOWED_EXTENSIONS
        or declared in BLOCKED_TYPES
        or guessed in BLOCKED_TYPES
        or runnable(upload.content)
    ):
        raise Refused(
            f"Files of this kind ({name}) are not accepted. Documents, images, logs, captures "
            "(.pcap), recordings and archives (.zip) are; please send it as a ZIP archive or PDF."
        )
    return name, guessed or "application/octet-stream"


def runnable(content: bytes) -> bool:
    """Whether the bytes are a program, by their first bytes (a renamed .exe is still an
    .exe). Markup in a .txt is left to the download, which is served as an attachment with
    nosniff."""
    return content.startswith(RUNNABLE_MAGIC)


def has_macros(content: bytes, ext: str) -> bool:
    """Whether an Office file carries a VBA project: a zipped (OOXML) one names
    vbaProject.bin; an older binary (OLE) one holds a "VBA" storage. Decided by content, so
    a .docm renamed .docx is caught too."""
    if content.startswith(ZIP_MAGIC) and ext in OOXML_EXTENSIONS:
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return any(n.lower().endswith("vbaproject.bin") for n in archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return False
    if content.startswith(OLE_MAGIC):
        # Directory entries are UTF-16 names; a macro project is stored as "VBA"/"_VBA_PROJECT".
        return "_VBA_PROJECT".encode("utf-16-le") in content or b"V\x00B\x00A\x00\x00\x00" in content
    return False


log = logging.getLogger(__name__)


def remove_after_commit(storage: Storage, names: Sequence[str]) -> None:
    """Delete stored files once the caller's transaction has committed (a rollback keeps
    them, as it keeps the rows that name them); one already gone is only logged."""
    transaction.on_commit(lambda: _remove(storage, list(names)))


def _remove(storage: Storage, names: Sequence[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            log.warning("a stored file could not be removed: %s", name)
