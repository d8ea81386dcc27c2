"""The one write of a brand's logo: checked by its content, stored under a name the server
makes, the file it replaces removed once the change is committed."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction

from casedesk.branding import logos
from casedesk.branding.models import Brand
from casedesk.core import uploads


def set_logo(brand: Brand, data: bytes) -> Brand:
    """Give `brand` this logo (Refused, with why, for anything but a small PNG or JPEG)."""
    extension, content_type = logos.check(data)
    old = brand.logo.name if brand.logo else ""
    storage = brand.logo.storage
    with transaction.atomic():
        name = storage.save(logos.stored_name(extension), ContentFile(data))
        brand.logo.name, brand.logo_type = name, content_type
        brand.save()
        if old and old != name:
            uploads.remove_after_commit(storage, [old])
    return brand
