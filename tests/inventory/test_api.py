"""The inventory API: read, preview with charges, apply, schedule; scoped to the asker."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from casedesk.inventory.models import ChangeBatch, Item
from tests.api.helpers import issue_token
from tests.factories import OrganisationFactory, customer
from tests.inventory.helpers import org_with_mpoc

pytestmark = pytest.mark.django_db
NOV_17 = timezone.make_aware(datetime(2026, 11, 17, 10, 0))
SEAT = {"kind": "seat", "op": "add", "values": {"email": "ann@acme.example.com", "name": "Ann"}}
LICENCE = {
    "kind": "licence",
    "op": "add",
    "values": {
        "platform": "teams",
        "product": "Teams Phone",
        "assigned_to": "ann@acme.example.com",
        "monthly_price": "30",
    },
}


def api(user):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}

    def call(method, url, body=None):
        if method == "get":
            return client.get(f"/api/v1{url}", **headers)
        return client.post(f"/api/v1{url}", body, content_type="application/json", **headers)

    return call


@time_machine.travel(NOV_17, tick=False)
def test_preview_apply_and_list():
    org, mpoc = org_with_mpoc()
    call = api(mpoc)
    preview = call("post", f"/organisations/{org.pk}/inventory/preview", {"changes": [SEAT, LICENCE]})
    assert preview.status_code == 200, preview.content
    assert preview.json()["amount"] == "14.00" and preview.json()["applied"] is False
    assert not Item.objects.exists()
    done = call("post", f"/organisations/{org.pk}/inventory/changes", {"changes": [SEAT, LICENCE]})
    assert done.status_code == 200 and done.json()["applied"] is True
    listing = call("get", f"/organisations/{org.pk}/inventory?kind=licence").json()
    assert [i["key"] for i in listing["items"]] == ["teams/teams phone/ann@acme.example.com"]
    assert listing["items"][0]["values"]["monthly_price"] == "30.00"
    charges = call("get", f"/organisations/{org.pk}/inventory/charges").json()
    assert charges[0]["amount"] == "14.00" and charges[0]["invoiced"] is False


@time_machine.travel(NOV_17, tick=False)
def test_refusals_and_scheduling():
    org, mpoc = org_with_mpoc()
    call = api(mpoc)
    bad = call(
        "post",
        f"/organisations/{org.pk}/inventory/changes",
        {"changes": [SEAT, {**SEAT, "values": {"email": "x"}}]},
    )
    assert bad.status_code == 400 and "change 2" in bad.json()["detail"] and not Item.objects.exists()
    unknown_field = call(
        "post",
        f"/organisations/{org.pk}/inventory/changes",
        {"changes": [{**SEAT, "values": {"colour": "red"}}]},
    )
    assert unknown_field.status_code == 422
    later = call(
        "post", f"/organisations/{org.pk}/inventory/changes", {"changes": [SEAT], "effective": "2026-12-01"}
    )
    assert later.json()["scheduled"] is True and ChangeBatch.objects.get().status == "scheduled"
    plain = api(customer(org, mpoc=False))
    assert plain("post", f"/organisations/{org.pk}/inventory/changes", {"changes": [SEAT]}).status_code == 403


def test_another_organisations_inventory_is_not_found():
    org, _ = org_with_mpoc()
    stranger = api(customer(OrganisationFactory()))
    for method, url in [
        ("get", f"/organisations/{org.pk}/inventory"),
        ("get", f"/organisations/{org.pk}/inventory/charges"),
        ("post", f"/organisations/{org.pk}/inventory/preview"),
        ("post", f"/organisations/{org.pk}/inventory/changes"),
    ]:
        assert stranger(method, url, {"changes": [SEAT]}).status_code == 404, url
