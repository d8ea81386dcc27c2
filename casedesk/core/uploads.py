"""Checks on uploaded files: size, kinds a browser could run, and a safe display name."""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings

from casedesk.core.errors import Refused

# Kinds that run when opened, or render as active content in a browser.
BLOCKED_EXTENSIONS = frozenset(
    [
        "exe",
        "com",
        "bat",
        "cmd",
        "scr",
        "pif",
        "msi",
        "msp",
        "dll",
        "cpl",
        "js",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "ps1",
        "psm1",
        "hta",
        "jar",
        "html",
        "htm",
        "xhtml",
        "shtml",
        "svg",
        "svgz",
        "xml",
        "xht",
        "mht",
        "mhtml",
        "php",
        "asp",
        "aspx",
        "jsp",
        "sh",
        "lnk",
        "reg",
        "iso",
    ]
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
    if ext in BLOCKED_EXTENSIONS or declared in BLOCKED_TYPES or guessed in BLOCKED_TYPES:
        raise Refused(
            f"Files of this kind ({name}) are not accepted, as they could run on opening; "
            "please send it as a ZIP archive or PDF."
        )
    return name, guessed or "application/octet-stream"
