"""Tenant isolation: every URL pattern and API route, walked with another organisation's ids.

New routes are covered automatically: a path parameter this walk does not know fails the
test until it is taught how to fill it with a foreign object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from casedesk.api.models import ApiToken, digest
from casedesk.cases import actions
from casedesk.core.uploads import Upload
from casedesk.macd import actions as macd_actions
from casedesk.macd import timesheet
from casedesk.mail import intake
from casedesk.outbox import suppression
from casedesk.signin.store import digest as digest_of_session
from casedesk.status import maintenance, webhooks
from casedesk.status.models import MaintenanceKind
from casedesk.workbench import saved_views
from tests.factories import ContactFactory, PlatformFactory, StaffFactory, customer, make_case
from tests.mail.mailgen import make_mail

pytestmark = pytest.mark.django_db
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def walk(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield namespace, prefix + str(entry.pattern)


# Public by design: the network status pages carry no organisation's ids (their own tests
# check that unknown ids and tokens are 404s).
PUBLIC_NAMESPACES = {"admin", "status", "plan"}  # plan: the published plan, no ids


def routes() -> list[tuple[str, str]]:
    return sorted(
        {
            (ns, route)
            for ns, route in walk()
            if ns not in PUBLIC_NAMESPACES and not route.startswith("static")
        }
    )


@pytest.fixture
def world():
    staff = StaffFactory()
    mine = customer()
    theirs = customer()
    their_case = make_case(by=theirs, title="Secret outage at HQ", uploads=[Upload("log.txt", b"secret log")])
    actions.add_comment(their_case, by=staff, body="reply", uploads=[Upload("trace.txt", b"trace")])
    make_case(by=mine)
    # Their MACD request with a time entry: the entry's routes answer 404 like the rest.
    their_macd = macd_actions.submit(
        macd_actions.Submission(
            by=theirs, title="New hire", changes=[{"kind": "seat", "op": "add", "details": "x"}]
        )
    )
    entry = timesheet.log_time(their_macd, by=staff, minutes=5, note="x")
    raw = ApiToken.new_raw()
    ApiToken.objects.create(user=mine, key_digest=digest(raw), prefix=raw[:8], created_at=timezone.now())
    return {
        "mine": mine,
        "token": raw,
        "number": their_case.number,
        "attachment_id": their_case.attachments.first().pk,
        "org_id": their_case.organisation_id,
        "contact_id": ContactFactory(organisation=their_case.organisation).pk,
        "name": "triage",
        "case": their_case,
        "entry_id": entry.pk,
        # Another agent's saved view: a customer's request for it is refused.
        "view_id": saved_views.save_view(staff, name="Mine", queue="mine", query="").pk,
        # Someone copied on their case: its add and remove routes answer 404 like the rest.
        "participant_id": actions.add_participants(
            their_case, by=staff, addresses=["vendor@carrier.example.net"]
        )[0].pk,
        # A password reset link naming another user's account, with no valid token.
        "uidb64": urlsafe_base64_encode(force_bytes(theirs.pk)),
        # A quarantined e-mail (staff-only pages): customers must get 403/404.
        "message_id": intake.ingest(
            make_mail("stranger@elsewhere.example.org", subject=their_case.title)
        ).inbound_id,
        # A suppressed address (staff-only, provider-wide): customers must get 403/404.
        "suppression_id": suppression.suppress(
            "gone@elsewhere.example.org", reason="bounce_permanent", evidence="test", inbound_id=None
        ).pk,
        # Maintenance windows and webhooks are provider-wide, staff-only: customers get 403.
        **_maintenance(staff),
        # Another person's signed-in session: ending it is refused (404).
        "session_id": _session_of(theirs),
        # Another organisation's chat: the console's pages refuse a customer.
        "chat_id": _chat_of(theirs),
        # Their inventory: an item, a scheduled change and a CSV import.
        **_inventory(theirs, their_case.organisation),
        # A staff-only article: customers get 404 for it, its file, and the console's pages.
        **_solutions(staff),
        # A privacy request (staff with the privacy permission only) and its exports.
        "request_id": _privacy_request().pk,
        "fmt": "json",
        # Their invoice and a dispute of it: every BillCenter and billing route answers 403/404.
        **_billing(theirs, their_case.organisation),
        # The brand of the rebiller that manages them, and the rebiller's person acting for
        # them: not ours to see, and ending that access is refused.
        **_rebiller_of(their_case.organisation),
    }


def _rebiller_of(org) -> dict:
    from casedesk.accounts import partners
    from casedesk.accounts.models import Contact
    from tests.branding.helpers import rebiller
    from tests.factories import AdministratorFactory, partner_user

    rebiller_org, brand = rebiller("Theirs Voice")
    partners.set_partner(AdministratorFactory(), org, rebiller_org)
    user = partner_user({org: "full"}, partner=rebiller_org)
    return {
        "brand_id": brand.pk,
        "delegate_id": Contact.objects.get(organisation=org, delegate_of__user=user).pk,
    }


def _billing(theirs, org) -> dict:
    from casedesk.billing import actions as billing_actions

    invoice = billing_actions.issue(org, "2026-11")
    dispute = billing_actions.dispute(invoice, by=theirs, line_ids=[], reason="Secret outage at HQ billing")
    return {"invoice_id": invoice.pk, "dispute_id": dispute.pk}


def _privacy_request():
    from casedesk.privacy.models import PrivacyRequest

    now = timezone.now()
    return PrivacyRequest.objects.create(
        kind="know",
        email="someone@their.example.com",
        state="open",
        created_at=now,
        received_at=now,
        due_at=now,
    )


def _solutions(staff) -> dict:
    from casedesk.solutions import actions as kb
    from casedesk.solutions.models import Category

    hidden = kb.save_article(
        by=staff,
        title="Internal runbook",
        body="Staff only.",
        category=Category.objects.create(slug="internal", name="Internal"),
        audience="staff",
        publish_at=timezone.now(),
    )
    return {
        "slug": hidden.slug,
        "article_id": hidden.pk,
        "revision_id": hidden.revisions.get().pk,
        "file_id": kb.add_file(hidden, Upload("notes.txt", b"secret"), by=staff).pk,
    }


def _inventory(theirs, org) -> dict:

    from django.core.files.uploadedfile import SimpleUploadedFile

    from casedesk.inventory import actions as inventory
    from casedesk.inventory import jobs
    from casedesk.rules.inventory import Change

    seat = Change("seat", "add", values={"email": "secret@their.example.com", "name": "Secret outage at HQ"})
    inventory.apply_changes(theirs, org, [seat])
    later = inventory.apply_changes(
        theirs,
        org,
        [Change("seat", "delete", "secret@their.example.com")],
        effective=timezone.localdate() + timedelta(days=3),
    )
    job = jobs.start_import(
        theirs,
        org,
        SimpleUploadedFile("i.csv", b"kind,email,name\nseat,a@their.example.com,Secret outage at HQ\n"),
        source="portal",
    )
    from casedesk.inventory.models import Item

    return {
        "item_id": Item.objects.get(organisation=org).pk,
        "batch_id": later.batch.pk,
        "job_id": job.pk,
    }


def _chat_of(user) -> int:
    from datetime import datetime

    import time_machine

    from casedesk.chat import actions as chat_actions
    from casedesk.rules.calendar import DENVER
    from casedesk.rules.chat import Identity

    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=DENVER), tick=True):  # chat is open
        return chat_actions.start_chat(identity=Identity.PORTAL, user=user).pk


def _session_of(user) -> str:
    other = Client()
    other.force_login(user)
    return digest_of_session(other.session.session_key)


def _maintenance(staff) -> dict:
    platform = PlatformFactory()
    window = maintenance.create_window(
        by=staff,
        kind=MaintenanceKind.ONE_OFF,
        title="Core router swap",
        platforms=[platform],
        description="Swap.",
        justification="Age.",
        first_day=timezone.localdate() + timedelta(days=3),
        start_time=time(22),
        end_time=time(2),
    )
    hook = webhooks.add_platform_webhooks(by=staff, url="https://93.184.216.34/hook", platforms=[platform])
    return {
        "window_id": window.pk,
        "occurrence_id": window.occurrences.get().pk,
        "subscription_id": hook[0].pk,
    }


# The smallest valid body of each API write, so that the route gets as far as looking the
# object up; a new API write must be added here.
API_BODIES = {
    "comments": {"body": "x"},
    "transition": {"to": "closed", "resolution": "x"},
    "reopen": {"note": "x"},
    "disposition": {"priority": "P2"},
    "macd": {"title": "x", "changes": [{"kind": "seat", "op": "add", "details": "x"}]},
    "approve": {},
    "decline": {},
    "time": {"minutes": 5, "note": "x"},
    "extend": {"minutes": 60, "note": "x"},
    "preview": {"changes": [{"kind": "seat", "op": "add", "values": {"email": "x@y.example", "name": "X"}}]},
    "changes": {"changes": [{"kind": "seat", "op": "add", "values": {"email": "x@y.example", "name": "X"}}]},
    "verify-caller": {"contact_id": 1, "method": "call_back"},
    "passcode": {"passcode": "Valid-Code-991"},
}
# The privacy requests' writes, whose last segments other routes also end with.
PRIVACY_BODIES = {
    "correct": {"name": "x"},
    "extension": {"reason": "x"},
    "answer": {"outcome": "x"},
    "decline": {"reason": "x"},
}


def api_body(route: str) -> dict:
    last = route.rstrip("/").rsplit("/", 1)[-1]
    return (PRIVACY_BODIES if "/privacy/" in route else API_BODIES).get(last, {})


def fill(route: str, world: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(2)
        assert name in world, f"the tenancy walk does not know how to fill <{name}> in {route}"
        return str(world[name])

    return "/" + PARAM.sub(value, route).replace("^", "").replace("$", "")


def test_the_walk_sees_every_kind_of_route():
    seen = {ns for ns, _ in routes()}
    assert {"portal", "console", "api"} <= seen


def test_every_route_refuses_another_organisations_objects(world):
    client = Client()
    client.force_login(world["mine"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['token']}"}
    events_before = world["case"].events.count()
    checked = _walk_as(client, world, auth)
    assert checked >= 15
    world["case"].refresh_from_db()
    assert world["case"].events.count() == events_before  # the walk changed nothing


def test_lists_and_searches_never_show_another_organisation(world):
    client = Client()
    client.force_login(world["mine"])
    number = world["number"]
    for url in (
        f"/portal/?q={number}&state=all",
        "/portal/?state=all",
        f"/portal/?q={world['case'].title}",
        f"/portal/search/?q={number}",
        f"/portal/search/?q={world['case'].title}",
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200
        assert f"/portal/cases/{number}/".encode() not in response.content
    assert b"Phones not registering" in client.get("/portal/").content  # the own case is listed
    for url in ("/portal/inventory/", "/portal/inventory/?q=secret", "/portal/inventory/export.csv"):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and b"secret@their.example.com" not in body, url
    api = client.get(f"/api/v1/cases?q={number}&state=all", HTTP_AUTHORIZATION=f"Bearer {world['token']}")
    assert api.status_code == 200 and number not in api.content.decode()


def test_customers_are_kept_out_of_the_console_and_admin(world):
    client = Client()
    client.force_login(world["mine"])
    for url in ("/console/", "/console/queue/open/", "/console/contacts/?q=a", "/console/cases/new/"):
        assert client.get(url).status_code == 403, url
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# -- partners ------------------------------------------------------------------------------


@pytest.fixture
def partner_world(world):
    """A partner's person with "cases only" for two customers, each with a case; the walk's
    other organisation (`world`) is a third they have nothing to do with."""
    from tests.factories import OrganisationFactory, partner_user

    a, b = OrganisationFactory(name="Alder Dental"), OrganisationFactory(name="Birch Law")
    user = partner_user({a: "cases", b: "cases"})
    cases = {org.pk: make_case(by=customer(org), title=f"{org.name} phones down") for org in (a, b)}
    raw = ApiToken.new_raw()
    ApiToken.objects.create(user=user, key_digest=digest(raw), prefix=raw[:8], created_at=timezone.now())
    return {**world, "partner_user": user, "partner_token": raw, "a": a, "b": b, "cases": cases}


def _walk_as(client: Client, world: dict, auth: dict) -> int:
    checked = 0
    for ns, route in routes():
        if not PARAM.search(route):
            continue
        url = fill(route, world)
        for method in ("get", "post"):
            if ns == "api" and method == "post":
                response = client.post(url, api_body(route), content_type="application/json", **auth)
            else:
                response = getattr(client, method)(url, **auth)
            if response.status_code == 405:
                continue
            assert response.status_code not in (400, 422), f"teach API_BODIES a valid body for {route}"
            assert response.status_code in (403, 404), (
                f"{method.upper()} {url} ({ns}) -> {response.status_code}"
            )
            assert world["case"].title.encode() not in response.content
            checked += 1
    return checked


def test_a_partner_user_with_cases_only_for_two_customers(partner_world):
    """A partner user with 'cases only' for two customers sees both queues, cannot open
    BillCenter, and is refused every route of a third organisation."""
    w = partner_world
    client = Client()
    client.force_login(w["partner_user"])
    # Both queues, as one.
    queue = client.get("/portal/?state=all").content.decode()
    for case in w["cases"].values():
        assert f"/portal/cases/{case.number}/" in queue
    assert f"/portal/cases/{w['number']}/" not in queue
    # BillCenter: refused as themselves and acting for either customer.
    assert client.get("/portal/billing/").status_code == 403
    client.post("/portal/acting-for/", {"customer": w["a"].account_number})
    assert client.get("/portal/billing/").status_code == 403
    assert client.get(f"/portal/billing/{w['invoice_id']}/").status_code in (403, 404)
    # Acting for one customer: its queue only.
    queue = client.get("/portal/?state=all").content.decode()
    assert f"/portal/cases/{w['cases'][w['a'].pk].number}/" in queue
    assert f"/portal/cases/{w['cases'][w['b'].pk].number}/" not in queue
    # A third organisation's account number is no customer of theirs, in the portal or API.
    third = w["case"].organisation.account_number
    assert client.post("/portal/acting-for/", {"customer": third}).status_code == 404
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {w['partner_token']}"}
    assert Client().get("/api/v1/cases", HTTP_X_CASEDESK_CUSTOMER=third, **bearer).status_code == 404
    # Every route with the third organisation's ids: as all customers, acting for one
    # customer (portal and API), the walk changes nothing and shows nothing of it.
    events_before = w["case"].events.count()
    client.post("/portal/acting-for/", {"customer": ""})
    checked = _walk_as(client, w, bearer)
    client.post("/portal/acting-for/", {"customer": w["b"].account_number})
    checked += _walk_as(client, w, {**bearer, "HTTP_X_CASEDESK_CUSTOMER": w["b"].account_number})
    assert checked >= 30
    assert w["case"].events.count() == events_before
    # Searches, lists, exports and type-ahead: nothing of the third organisation.
    for acting in ("", w["a"].account_number):
        client.post("/portal/acting-for/", {"customer": acting})
        for url in (
            f"/portal/?q={w['number']}&state=all",
            f"/portal/search/?q={w['number']}",
            f"/portal/search/?q={w['case'].title}",
            "/portal/inventory/?q=secret",
            "/solutions/suggest/?q=Secret",
        ):
            response = client.get(url, follow=True)
            assert response.status_code in (200, 403), url
            assert f"/cases/{w['number']}/".encode() not in response.content, url
            assert b"secret@their.example.com" not in response.content, url
        export = client.get("/portal/inventory/export.csv")
        body = b"".join(export.streaming_content) if export.streaming else export.content
        assert b"secret@their.example.com" not in body
    listed = Client().get(f"/api/v1/cases?q={w['number']}&state=all", **bearer).json()
    assert w["number"] not in str(listed)


def test_a_billing_only_partner_user_sees_no_case_queue_of_that_customer(world):
    from tests.factories import OrganisationFactory, partner_user

    c = OrganisationFactory(name="Cedar Clinic")
    user = partner_user({c: "billing"})
    case = make_case(by=customer(c), title="Cedar phones down")
    client = Client()
    client.force_login(user)
    assert b"Cedar phones down" not in client.get("/portal/?state=all").content
    assert client.get(f"/portal/cases/{case.number}/").status_code == 404
    client.post("/portal/acting-for/", {"customer": c.account_number})
    assert b"Cedar phones down" not in client.get("/portal/?state=all").content
    assert client.get(f"/portal/cases/{case.number}/").status_code == 404
    found = client.get(f"/portal/search/?q={case.number}")
    assert found.status_code == 200 and f"/portal/cases/{case.number}/".encode() not in found.content
