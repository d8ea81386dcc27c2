"""A rebiller with a brand, a customer it manages, and images to upload."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from casedesk.accounts.models import Organisation
from casedesk.branding import actions
from casedesk.branding.models import Brand
from tests.factories import OrganisationFactory


def png(width: int = 120, height: int = 28, colour: str = "#e4572e") -> bytes:
    """A small logo: a mark and a word, on a transparent ground."""
    out = io.BytesIO()
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((2, 2, height - 2, height - 2), fill=colour)
    draw.polygon([(height // 2, 6), (height - 6, height - 7), (6, height - 7)], fill="#ffffff")
    draw.text((height + 6, height // 2 - 6), "SKYLINE", fill="#ffffff")
    image.save(out, "PNG")
    return out.getvalue()


def rebiller(name: str = "Skyline Voice", *, logo: bool = True, **values) -> tuple[Organisation, Brand]:
    org = OrganisationFactory(kind="rebiller", name=f"{name} Ltd")
    values = {
        "primary_colour": "#5b2a86",
        "accent_colour": "#e4572e",
        "support_email": "help@skyline.example",
        "support_phone": "+1 720 555 0142",
        "support_url": "https://help.skyline.example/",
        **values,
    }
    brand = Brand.objects.create(organisation=org, name=name, **values)
    if logo:
        actions.set_logo(brand, png())
    return org, brand
