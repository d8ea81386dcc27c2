"""Subscriptions: double opt-in, same answer either way, rate limit, one-click unsubscribe,
portal one-click subscribe, and signed webhooks with retries and no redirects."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core import signing
from django.test import Client

from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.outbox.models import OutboundMessage
from casedesk.status import masters, subscriptions, webhooks
from casedesk.status.models import Subscription, WebhookDelivery
from tests.factories import ManagerFactory, customer
from tests.status.helpers import PlatformFactory

pytestmark = pytest.mark.django_db


def confirm_url(to: str) -> str:
    text = OutboundMessage.objects.filter(kind="status_confirm", to=to).latest("id").text
    return re.search(r"http://\S+/status/subscriptions/confirm/\S+/", text).group(0)


def test_double_opt_in_same_answer_and_unsubscribe():
    voice = PlatformFactory(code="voice")
    client = Client()
    first = client.post("/status/subscribe/", {"email": "a@example.net", "platform": "voice"})
    sub = Subscription.objects.get(email="a@example.net")
    assert sub.confirmed_at is None
    url = confirm_url("a@example.net").replace("http://127.0.0.1:8000", "")
    assert (
        client.get(url).status_code == 200 and Subscription.objects.get().confirmed_at is None
    )  # GET: a button
    assert client.post(url).status_code == 200
    sub.refresh_from_db()
    assert sub.confirmed_at is not None
    again = client.post("/status/subscribe/", {"email": "a@example.net", "platform": "voice"})
    assert again.content == first.content  # the same answer, subscribed or not
    assert OutboundMessage.objects.filter(kind="status_confirm").count() == 1
    manage = client.get(f"/status/subscriptions/{sub.token}/")
    assert manage.status_code == 200 and voice.name.encode() in manage.content
    # RFC 8058: the mail client POSTs, without cookies or CSRF token.
    one_click = Client(enforce_csrf_checks=True).post(
        f"/status/subscriptions/{sub.token}/unsubscribe/", "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert one_click.status_code == 200 and not Subscription.objects.exists()
    assert client.get(f"/status/subscriptions/{sub.token}/").status_code == 404
    assert client.get("/status/subscriptions/confirm/forged/").status_code == 200  # the button page
    assert client.post("/status/subscriptions/confirm/forged/").status_code == 404


def test_confirmation_links_expire_and_requests_are_rate_limited(settings):
    PlatformFactory(code="voice")
    client = Client()
    with time_machine.travel("2025-01-01 12:00Z", tick=False):
        client.post("/status/subscribe/", {"email": "b@example.net", "platform": "voice"})
        url = confirm_url("b@example.net").replace("http://127.0.0.1:8000", "")
    with time_machine.travel("2025-01-03 12:01Z", tick=False):
        response = client.post(url)
        assert response.status_code == 400 and b"expired" in response.content
    settings.CASEDESK_SUBSCRIBE_PER_HOUR = 3
    codes = [
        client.post("/status/subscribe/", {"email": f"c{n}@example.net", "platform": "voice"}).status_code
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    other = Client(REMOTE_ADDR="127.0.0.9")
    assert (
        other.post("/status/subscribe/", {"email": "d@example.net", "platform": "voice"}).status_code == 200
    )
    assert client.post("/status/subscribe/", {"email": "x", "platform": "nope"}).status_code in (400, 429)
    with pytest.raises(signing.BadSignature):
        signing.loads("x", salt=subscriptions.CONFIRM_SALT)


def test_portal_user_subscribes_with_one_click():
    voice = PlatformFactory(code="voice")
    user = customer()
    client = Client()
    assert client.post("/status/subscribe/me/", {"platform": "voice"}).status_code == 302  # log in first
    client.force_login(user)
    assert client.post("/status/subscribe/me/", {"platform": "voice"}).status_code == 200
    sub = Subscription.objects.get(email=user.email, platform=voice)
    assert sub.confirmed_at is not None


class Receiver(BaseHTTPRequestHandler):
    received: list = []
    redirect = False

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body, self.path))
        if Receiver.redirect and self.path == "/hook":
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Receiver.received, Receiver.redirect = [], False
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_webhooks_signed_retried_and_never_redirected(receiver, settings):
    voice = PlatformFactory(code="voice")
    staff = ManagerFactory()
    with pytest.raises(Refused):  # loopback is refused unless allow-listed
        webhooks.add_webhook(by=staff, url=receiver, platform=voice)
    settings.CASEDESK_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    hook = webhooks.add_webhook(by=staff, url=receiver, platform=voice, secret="s3cret")
    master = masters.create_master(by=staff, title="Outage", body="Investigating.", platforms=[voice])
    assert webhooks.deliver_due(clock.now()) == {"sent": 1, "retry": 0, "failed": 0}
    headers, body, _ = Receiver.received[0]
    stamp, digest = re.match(r"t=(\d+),v1=(\w+)", headers["X-Casedesk-Signature"]).groups()
    expected = hmac.new(b"s3cret", f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(digest, expected)
    payload = json.loads(body)
    assert payload["incident"]["title"] == "Outage" and payload["update"]["body"] == "Investigating."
    Receiver.redirect = True
    masters.post_update(master, by=staff, body="Next.")
    assert webhooks.deliver_due(clock.now())["retry"] == 1
    assert [path for _, _, path in Receiver.received] == ["/hook", "/hook"]  # /elsewhere never asked
    Receiver.redirect = False
    with time_machine.travel(clock.now() + __import__("datetime").timedelta(minutes=2)):
        assert webhooks.deliver_due(clock.now())["sent"] == 1
    assert WebhookDelivery.objects.filter(subscription=hook, state="sent").count() == 2


def test_a_webhook_on_several_platforms_hears_of_an_event_on_two_of_them_once(settings):
    settings.CASEDESK_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    voice, teams, fax = (PlatformFactory(code=code) for code in ("voice", "teams", "fax"))
    staff = ManagerFactory()
    url = "http://127.0.0.1:9/hook"
    hooks = webhooks.add_platform_webhooks(by=staff, url=url, platforms=[voice, teams, fax])
    other = webhooks.add_webhook(by=staff, url="http://127.0.0.1:9/other", platform=teams, secret="x")
    masters.create_master(by=staff, title="Outage", body="Investigating.", platforms=[voice, teams])
    queued = list(WebhookDelivery.objects.values_list("subscription_id", flat=True))
    assert sorted(queued) == sorted([hooks[0].pk, other.pk])


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:127.0.0.1]/hook",
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
        "http://[2002:7f00:1::1]/hook",  # 6to4 of 127.0.0.1
        "http://0.0.0.0/hook",
    ],
)
def test_webhook_targets_carrying_a_private_ipv4_address_are_refused(url):
    with pytest.raises(Refused, match="not a public address"):
        webhooks.check_webhook_target(url)


def test_webhook_delivery_connects_to_the_address_it_checked(receiver, settings, monkeypatch):
    """A name that resolves to an allowed address when checked and elsewhere a moment later
    (DNS rebinding) is still posted to the address that was checked."""
    import socket

    port = int(receiver.rsplit(":", 1)[1].split("/")[0])
    settings.CASEDESK_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def rebinding(host, *args, **kwargs):
        if host == "hook.example.test":
            looked_up.append(host)
            target = "127.0.0.1" if len(looked_up) == 1 else "127.0.0.2"
            return real(target, *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    status = webhooks.post(f"http://hook.example.test:{port}/hook", "s3cret", b"{}", "e:1", clock.now())
    assert status == 204 and looked_up == ["hook.example.test"]
    headers, _, path = Receiver.received[0]
    assert path == "/hook" and headers["Host"] == f"hook.example.test:{port}"


def test_portal_subscribe_goes_through_a_page_with_a_csrf_token():
    voice = PlatformFactory(code="voice")
    staff = ManagerFactory()
    master = masters.create_master(by=staff, title="Outage", body="Investigating.", platforms=[voice])
    incident = master.incident
    user = customer()
    client = Client(enforce_csrf_checks=True)
    page = client.get("/status/").content.decode()
    # Every POST form on the cached public page is the CSRF-exempt e-mail subscribe form.
    actions_posted = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page)
    assert actions_posted and set(actions_posted) == {"/status/subscribe/"}
    link = f"/status/subscribe/me/?incident={incident.pk}"
    assert link in page
    login = client.get(link)
    assert login.status_code == 302 and "next=/status/subscribe/me/" in login["Location"]
    client.force_login(user)
    confirm = client.get(link)
    assert confirm.status_code == 200 and not Subscription.objects.exists()  # GET changes nothing
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirm.content.decode()).group(1)
    assert client.post("/status/subscribe/me/", {"incident": incident.pk}).status_code == 403
    done = client.post("/status/subscribe/me/", {"incident": incident.pk, "csrfmiddlewaretoken": token})
    assert done.status_code == 200
    assert Subscription.objects.get(email=user.email, incident=incident).confirmed_at is not None


def test_portal_users_subscribe_to_a_platform_with_one_click_from_their_profile():
    from django.test import Client

    from casedesk.status.models import Subscription
    from tests.factories import PlatformFactory as AccountsPlatform
    from tests.factories import customer as make_customer

    platform = AccountsPlatform(code="voice-one-click", name="Voice one click")
    user = make_customer()
    user.contact.organisation.platforms.add(platform)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    profile = client.get("/portal/profile/")
    assert b'data-testid="subscribe-voice-one-click"' in profile.content
    token = profile.cookies["csrftoken"].value
    response = client.post(
        "/status/subscribe/me/", {"platform": "voice-one-click", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200
    sub = Subscription.objects.get(platform=platform)
    assert sub.email == user.email and sub.confirmed_at is not None
    assert b"subscribed" in client.get("/portal/profile/").content
