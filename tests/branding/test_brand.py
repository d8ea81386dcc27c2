"""A rebiller's brand: what it may hold, the logo's checks, and the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from casedesk.branding import actions, logos
from casedesk.branding.models import Brand
from casedesk.core.errors import Refused
from tests.branding.helpers import png, rebiller
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("primary_colour", "red"),
        ("primary_colour", "#fff;}body{display:none}"),
        ("accent_colour", "expression(alert(1))"),
        ("name", "Skyline\u202e"),
        ("support_url", "javascript:alert(1)"),
        ("support_url", "http://help.skyline.example/"),
        ("support_phone", "<script>alert(1)</script>"),
        ("support_email", "not an address"),
    ],
)
def test_hostile_values_are_refused(field, value):
    _, brand = rebiller(logo=False)
    setattr(brand, field, value)
    with pytest.raises(ValidationError) as refused:
        brand.full_clean()
    assert field in refused.value.message_dict


def test_only_a_rebiller_has_a_brand():
    brand = Brand(organisation=OrganisationFactory(kind="partner"), name="Nope")
    with pytest.raises(ValidationError, match="not a rebiller"):
        brand.full_clean()


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "not one"),
        (b"<html><script>alert(1)</script></html>", "not one"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not one"),  # a PNG's signature, nothing after
        (b"", "empty"),
        (png(2400, 10), "2000 pixels"),
        (b"\x89PNG" + b"\x00" * (logos.MAX_BYTES + 10), "at most 256 KB"),
    ],
)
def test_a_logo_is_a_small_png_or_jpeg_by_its_content(data, why):
    with pytest.raises(Refused, match=why):
        logos.check(data)


def test_a_gif_is_refused_and_a_jpeg_taken():
    import io

    from PIL import Image

    gif, jpeg = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    Image.new("RGB", (10, 10)).save(jpeg, "JPEG")
    with pytest.raises(Refused, match="GIF"):
        logos.check(gif.getvalue())
    assert logos.check(jpeg.getvalue()) == ("jpg", "image/jpeg")


def test_a_logo_is_stored_under_a_name_the_server_makes_and_the_old_file_goes():
    _, brand = rebiller()
    first = brand.logo.name
    assert first.startswith("brands/") and first.endswith(".png") and len(first) == len("brands/") + 32 + 4
    storage = brand.logo.storage
    actions.set_logo(brand, png(colour="#000000"))
    assert brand.logo.name != first and storage.exists(brand.logo.name)
    # Removed after commit (the test's transaction never commits: run the callbacks).


def test_the_admin_edits_a_brand_and_refuses_a_disguised_logo(django_capture_on_commit_callbacks):
    org = OrganisationFactory(kind="rebiller")
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    fields = {
        "organisation": org.pk,
        "name": "Skyline Voice",
        "primary_colour": "#5B2A86",
        "accent_colour": "#e4572e",
        "support_email": "help@skyline.example",
        "support_phone": "+1 720 555 0142",
        "support_url": "https://help.skyline.example/",
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    svg = SimpleUploadedFile("../../logo.png", b"<svg onload='alert(1)'/>", content_type="image/png")
    page = client.post("/admin/branding/brand/add/", {**fields, "logo_file": svg})
    assert page.status_code == 200 and "PNG or JPEG" in page.content.decode()
    assert not Brand.objects.exists()
    logo = SimpleUploadedFile("../../evil name.png", png(), content_type="text/html")
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/admin/branding/brand/add/", {**fields, "logo_file": logo})
    assert page.status_code == 302, page.content.decode()[:2000]
    brand = Brand.objects.get()
    assert brand.primary_colour == "#5b2a86" and brand.logo_type == "image/png"
    assert "evil" not in brand.logo.name and brand.logo.name.startswith("brands/")
