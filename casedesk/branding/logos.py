"""A brand's logo: a PNG or JPEG by its content (never by its name or the type the browser
claimed), of bounded size, stored under a name the server makes."""

from __future__ import annotations

import io
import uuid

from PIL import Image, UnidentifiedImageError

from casedesk.core.errors import Refused

MAX_BYTES = 256 * 1024
MAX_SIDE = 2000
# What the portal serves each kind as; nothing else is accepted.
KINDS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg")}


def check(data: bytes) -> tuple[str, str]:
    """(extension, content type) of a logo fit to keep, or Refused saying why not."""
    if not data:
        raise Refused("The logo file is empty.")
    if len(data) > MAX_BYTES:
        raise Refused(f"A logo is at most {MAX_BYTES // 1024} KB; this one is {len(data) // 1024} KB.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            if kind not in KINDS:
                raise Refused(f"A logo is a PNG or JPEG image; this file is {kind or 'not an image'}.")
            if width > MAX_SIDE or height > MAX_SIDE:
                raise Refused(f"A logo is at most {MAX_SIDE} pixels on each side; this is {width}×{height}.")
            image.verify()  # a truncated or corrupt file fails here, before anyone is served it
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Refused("A logo is a PNG or JPEG image; this file is not one.") from None
    return KINDS[kind]


def stored_name(extension: str) -> str:
    """A fresh name: nothing of what the uploader called the file reaches the disk."""
    return f"brands/{uuid.uuid4().hex}.{extension}"
