"""The demo's staff who must sign in with a second factor can, with the published key."""

import pytest
from django.core.management import call_command
from django.test import Client

from casedesk.site import demo

pytestmark = pytest.mark.django_db


def test_the_demo_administrator_signs_in_with_the_published_key(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still one authenticator each
    out = capsys.readouterr().out
    assert demo.DEMO_TOTP_SECRET in out and "demo_code" in out
    call_command("demo_code")
    code = capsys.readouterr().out.split()[0]
    assert code == demo.demo_code()[0] and len(code) == 6
    for email in ("admin@support.example.com", "bea@support.example.com"):
        client = Client()
        response = client.post("/login/", {"username": email, "password": demo.DEMO_PASSWORD})
        assert response["Location"].startswith("/account/two-factor/verify/"), email
        assert client.post("/account/two-factor/verify/", {"code": code, "next": "/"}).status_code == 302
        assert client.get("/").status_code == 302 and client.get("/account/").status_code == 200
    # Staff who need no second factor sign in with the password alone, as before.
    rita = Client()
    assert (
        rita.post("/login/", {"username": "rita@support.example.com", "password": demo.DEMO_PASSWORD})[
            "Location"
        ]
        == "/"
    )
