"""Two-factor sign-in for staff (django-otp): enrolment, the code step after the password,
recovery codes, the per-account limit on codes, the requirement on console, admin and API,
and asking again before sensitive changes. Sign-ins here go through the pages, not
`force_login` (which signs in fully)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casedesk.api.models import ApiToken, digest
from casedesk.signin import factors
from tests.factories import AdministratorFactory, BillingFactory, ManagerFactory, StaffFactory, customer
from tests.twofactor import code_at, code_for, give_authenticator, secret_from_page

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


def password_step(client: Client, user, next_url: str = ""):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data)


def signed_in_with_code(user, client: Client | None = None) -> Client:
    client = client or Client()
    device = give_authenticator(user)
    assert password_step(client, user).status_code == 302
    response = client.post("/account/two-factor/verify/", {"code": code_for(device), "next": "/"})
    assert response.status_code == 302, response.content[:300]
    return client


# -- enrolment -------------------------------------------------------------------------------


def test_an_administrator_without_a_second_factor_is_sent_to_set_one_up_and_reaches_nothing_else():
    admin = AdministratorFactory()
    client = Client()
    response = password_step(client, admin, next_url="/console/")
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/enrol/")
    for path in (
        "/console/",
        "/console/queue/open/",
        "/portal/",
        "/account/",
        "/admin/",
        "/admin/accounts/user/",
    ):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked["Location"].startswith("/account/two-factor/enrol/"), (
            path
        )
    api = client.get("/api/v1/cases")
    assert api.status_code == 403 and "second factor" in api.json()["detail"]
    assert client.post("/console/queue/open/bulk/", {}).status_code == 302  # nothing done either
    # The log-in page, logging out and the public pages stay open.
    assert client.get("/status/").status_code == 200
    assert client.get("/account/two-factor/enrol/").status_code == 200


def test_enrolment_confirms_a_code_before_it_counts_and_shows_ten_recovery_codes_once():
    admin = AdministratorFactory()
    client = Client()
    password_step(client, admin)
    page = client.get("/account/two-factor/enrol/")
    assert (
        b"Begin" in page.content and not TOTPDevice.objects.filter(user=admin).exists()
    )  # GET writes nothing
    assert client.get("/account/two-factor/enrol/qr.svg").status_code == 404
    client.post("/account/two-factor/enrol/", {"action": "begin", "next": "/console/"})
    page = client.get("/account/two-factor/enrol/?next=/console/").content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    assert 'src="/account/two-factor/enrol/qr.svg"' in page
    qr = client.get("/account/two-factor/enrol/qr.svg")
    svg = qr.content.decode()
    assert qr["Content-Type"] == "image/svg+xml" and "no-store" in qr["Cache-Control"]
    assert svg.startswith("<svg") and "<path" in svg and "style" not in svg and "script" not in svg
    # Not in force until confirmed: the console still waits.
    assert client.get("/console/").status_code == 302
    assert not factors.has_second_factor(admin)
    wrong = client.post(
        "/account/two-factor/enrol/", {"action": "confirm", "code": "000000", "next": "/console/"}
    )
    assert wrong.status_code == 400 and b"does not match" in wrong.content
    key = secret_from_page(secret)
    done = client.post(
        "/account/two-factor/enrol/",
        {"action": "confirm", "code": code_at(key, time.time()), "next": "/console/"},
    )
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", done.content.decode())
    assert len(codes) == len(set(codes)) == 10
    assert factors.has_second_factor(admin) and factors.recovery_codes_left(admin) == 10
    # Stored as digests only: no code is in the table as typed.
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert not stored & {c.replace("-", "") for c in codes}
    assert client.get("/console/").status_code == 200
    account = client.get("/account/").content
    assert b"10 recovery codes left" in account
    assert not any(c.encode() in account for c in codes)  # never shown again


def test_a_technician_may_turn_it_on_and_off_and_a_customer_too():
    for user in (StaffFactory(), customer()):
        client = Client()
        password_step(client, user)
        assert client.get("/account/").status_code == 200  # not required: no gate
        client.post("/account/two-factor/enrol/", {"action": "begin"})
        device = factors.pending_device(user)
        client.post(
            "/account/two-factor/enrol/", {"action": "confirm", "code": code_at(device.bin_key, time.time())}
        )
        assert factors.has_second_factor(user)
        # From now on the password alone is not enough.
        later = Client()
        assert password_step(later, user)["Location"].startswith("/account/two-factor/verify/")
        assert later.get("/account/").status_code == 302
        assert client.post("/account/two-factor/off/").status_code == 302
        assert not factors.has_second_factor(user)


def test_who_must_keep_it_cannot_turn_it_off():
    admin = AdministratorFactory()
    client = signed_in_with_code(admin)
    response = client.post("/account/two-factor/off/", follow=True)
    assert b"cannot be turned off" in response.content and factors.has_second_factor(admin)


def test_a_billing_role_and_a_role_given_billing_must_have_it_and_a_manager_need_not():
    from casedesk.accounts.models import StaffRole

    for user in (BillingFactory(),):
        assert password_step(Client(), user)["Location"].startswith("/account/two-factor/enrol/")
    manager = ManagerFactory()
    assert password_step(Client(), manager)["Location"] == "/"
    StaffRole.objects.update_or_create(
        key="manager", defaults={"name": "Manager", "abilities": ["view_cases", "billing_cases"]}
    )
    assert password_step(Client(), manager)["Location"].startswith("/account/two-factor/enrol/")


def test_the_requirement_can_be_switched_off(settings):
    settings.CASEDESK_STAFF_2FA_REQUIRED = False
    client = Client()
    assert password_step(client, AdministratorFactory())["Location"] == "/"
    assert client.get("/console/").status_code == 200


# -- the code step ---------------------------------------------------------------------------


def test_after_the_password_a_code_and_nothing_before_it():
    admin = AdministratorFactory()
    device = give_authenticator(admin)
    client = Client()
    response = password_step(client, admin, next_url="/console/queue/open/")
    assert response["Location"] == "/account/two-factor/verify/?next=%2Fconsole%2Fqueue%2Fopen%2F"
    assert client.get("/console/")["Location"].startswith("/account/two-factor/verify/")
    assert client.get("/admin/")["Location"].startswith("/account/two-factor/verify/")
    assert client.get("/api/v1/cases").status_code == 403
    wrong = client.post("/account/two-factor/verify/", {"code": "123456", "next": "/console/queue/open/"})
    assert wrong.status_code == 400 and b"not right" in wrong.content
    key_before = client.session.session_key
    right = client.post(
        "/account/two-factor/verify/", {"code": code_for(device), "next": "/console/queue/open/"}
    )
    assert right.status_code == 302 and right["Location"] == "/console/queue/open/"
    assert client.session.session_key != key_before  # a new session key once both factors are in
    assert client.get("/console/").status_code == 200
    assert client.get("/admin/").status_code == 200
    # The same code again (a replay in another browser) is refused.
    other = Client()
    password_step(other, admin)
    device.refresh_from_db()
    replay = code_at(device.bin_key, device.last_t * device.step)
    assert other.post("/account/two-factor/verify/", {"code": replay}).status_code == 400


def test_a_recovery_code_works_once():
    admin = AdministratorFactory()
    give_authenticator(admin)
    codes = factors.regenerate_recovery_codes(admin)
    client = Client()
    password_step(client, admin)
    used = client.post(
        "/account/two-factor/verify/", {"code": codes[3].upper().replace("-", " ")}, follow=True
    )
    assert used.status_code == 200 and b"You used a recovery code; 9 left" in used.content
    again = Client()
    password_step(again, admin)
    assert again.post("/account/two-factor/verify/", {"code": codes[3]}).status_code == 400
    assert factors.recovery_codes_left(admin) == 9
    # Regenerated: the old ones stop working.
    fresh = factors.regenerate_recovery_codes(admin)
    assert again.post("/account/two-factor/verify/", {"code": codes[4]}).status_code == 400
    assert again.post("/account/two-factor/verify/", {"code": fresh[0]}).status_code == 302


def test_wrong_codes_slow_down_per_account_whoever_types_them():
    admin = AdministratorFactory()
    device = give_authenticator(admin)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = Client(REMOTE_ADDR="198.51.100.7")
        password_step(first, admin)
        for _ in range(5):  # five free tries, then each wrong one doubles the wait
            assert first.post("/account/two-factor/verify/", {"code": "000000"}).status_code == 400
        held = first.post("/account/two-factor/verify/", {"code": code_for(device)})
        assert held.status_code == 429 and b"Please wait" in held.content
        # Another address, the same account: the wait is the account's.
        second = Client(REMOTE_ADDR="203.0.113.9")
        password_step(second, admin)
        assert second.post("/account/two-factor/verify/", {"code": code_for(device)}).status_code == 429
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        assert second.post("/account/two-factor/verify/", {"code": code_for(device)}).status_code == 302


def test_the_password_step_stays_rate_limited():
    admin = AdministratorFactory()
    client = Client()
    for _ in range(6):
        client.post("/login/", {"username": admin.email, "password": "wrong"})
    blocked = password_step(client, admin)
    assert blocked.status_code == 200 and b"Too many attempts" in blocked.content


# -- API and admin ----------------------------------------------------------------------------


def test_api_tokens_are_not_asked_for_a_code_but_a_session_that_owes_one_is_refused():
    admin = AdministratorFactory()
    give_authenticator(admin)
    raw = ApiToken.new_raw()
    ApiToken.objects.create(user=admin, key_digest=digest(raw), prefix=raw[:8], created_at=timezone.now())
    assert Client().get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    client = Client()
    password_step(client, admin)
    assert client.get("/api/v1/cases").status_code == 403
    assert client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_the_admin_log_in_is_the_desks():
    response = Client().get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    admin = AdministratorFactory(is_superuser=True)
    client = signed_in_with_code(admin)
    assert client.get("/admin/accounts/user/").status_code == 200


# -- asking again before sensitive changes ------------------------------------------------------


def test_a_sensitive_change_asks_for_the_code_again_after_ten_minutes():
    admin = AdministratorFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = signed_in_with_code(admin)
        assert client.get("/account/password/").status_code == 200  # just verified
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        for path in ("/account/password/", "/account/email/"):
            asked = client.get(path)
            assert asked.status_code == 302 and asked["Location"].startswith("/account/two-factor/verify/"), (
                path
            )
            assert "confirm=1" in asked["Location"]
        for path in ("/account/two-factor/recovery-codes/", "/account/two-factor/off/"):
            assert client.post(path)["Location"].startswith("/account/two-factor/verify/"), path
        replace = client.post("/account/two-factor/enrol/", {"action": "begin"})
        assert replace["Location"].startswith("/account/two-factor/verify/")
        assert factors.pending_device(admin) is None
        refused = client.post(
            "/account/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "Another-pass-2026",
                "new_password2": "Another-pass-2026",
            },
        )
        assert refused.status_code == 302
        admin.refresh_from_db()
        assert admin.check_password(PASSWORD)  # nothing changed
        page = client.get("/account/two-factor/verify/?next=/account/password/&confirm=1")
        assert b"Confirm it is you" in page.content
        device = TOTPDevice.objects.get(user=admin)
        back = client.post(
            "/account/two-factor/verify/",
            {"code": code_for(device), "next": "/account/password/", "confirm": "1"},
        )
        assert back["Location"] == "/account/password/"
        changed = client.post(
            "/account/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "Another-pass-2026",
                "new_password2": "Another-pass-2026",
            },
        )
        assert changed.status_code == 302
        admin.refresh_from_db()
        assert admin.check_password("Another-pass-2026")
        assert client.get("/console/").status_code == 200  # this session goes on


def test_changing_the_email_needs_the_password_and_a_free_address():
    admin = AdministratorFactory()
    other = StaffFactory()
    client = signed_in_with_code(admin)
    wrong = client.post("/account/email/", {"email": "new@support.example.com", "password": "nope"})
    assert wrong.status_code == 400 and b"password is not right" in wrong.content
    taken = client.post("/account/email/", {"email": other.email.upper(), "password": PASSWORD})
    assert taken.status_code == 400 and b"Another account" in taken.content
    ours = client.post("/account/email/", {"email": "support@example.com", "password": PASSWORD})
    assert ours.status_code == 400 and b"own intake address" in ours.content
    done = client.post("/account/email/", {"email": "ada.new@support.example.com", "password": PASSWORD})
    assert done.status_code == 302
    admin.refresh_from_db()
    assert admin.email == "ada.new@support.example.com"
    assert Client().get("/account/email/").status_code == 302  # signed out: to the log-in
    portal = Client()
    portal.force_login(customer())
    assert portal.get("/account/email/").status_code == 403


def test_a_technician_without_a_second_factor_changes_the_password_with_the_current_one():
    tech = StaffFactory()
    client = Client()
    password_step(client, tech)
    bad = client.post(
        "/account/password/",
        {"old_password": "x", "new_password1": "Another-pass-2026", "new_password2": "Another-pass-2026"},
    )
    assert bad.status_code == 400 and b"current password is not right" in bad.content
    short = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"}
    )
    assert short.status_code == 400 and b"too short" in short.content


def test_a_session_that_owes_its_code_cannot_see_or_confirm_a_new_key_instead():
    """An abandoned replacement waits unconfirmed: the password alone must not turn it into
    a way round the current authenticator."""
    admin = AdministratorFactory()
    give_authenticator(admin)
    pending = factors.begin(admin)  # begun earlier by the owner, never confirmed
    client = Client()
    password_step(client, admin)
    page = client.get("/account/two-factor/enrol/")
    assert page.status_code == 302 and page["Location"].startswith("/account/two-factor/verify/")
    assert client.get("/account/two-factor/enrol/qr.svg").status_code == 404
    code = code_at(pending.bin_key, time.time())
    confirm = client.post("/account/two-factor/enrol/", {"action": "confirm", "code": code})
    assert confirm.status_code == 302 and confirm["Location"].startswith("/account/two-factor/verify/")
    assert TOTPDevice.objects.get(pk=pending.pk).confirmed is False
    assert client.get("/console/").status_code == 302


def test_the_owner_is_told_of_each_change_to_how_they_sign_in():
    from casedesk.outbox.models import OutboundMessage

    tech = StaffFactory()
    old = tech.email
    client = Client(REMOTE_ADDR="198.51.100.44")
    password_step(client, tech)
    client.post("/account/two-factor/enrol/", {"action": "begin"})
    device = factors.pending_device(tech)
    client.post(
        "/account/two-factor/enrol/", {"action": "confirm", "code": code_at(device.bin_key, time.time())}
    )
    client.post("/account/two-factor/recovery-codes/")
    new = "Another-pass-2026"
    client.post("/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    client.post("/account/email/", {"email": "tess@support.example.com", "password": new})
    client.post("/account/two-factor/off/")
    notices = list(
        OutboundMessage.objects.filter(kind="security_notice").order_by("id").values_list("to", "text")
    )
    said = [(to, next(line for line in text.splitlines()[1:] if line.strip())) for to, text in notices]
    assert said == [
        (old, "Two-factor sign-in was turned on (an authenticator app and ten recovery codes)."),
        (old, "New recovery codes were made; the earlier ones no longer work."),
        (old, "Your password was changed."),
        # Neither address is in the notice: the change is told, not the changed data.
        (old, "The e-mail address your account signs in with was changed."),
        ("tess@support.example.com", "The e-mail address your account signs in with was changed."),
        ("tess@support.example.com", "Two-factor sign-in was turned off."),
    ]
    assert "198.51.100.44" in notices[0][1]
