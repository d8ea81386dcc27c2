"""The role walk: every URL pattern and API route, requested as each customer role and each
staff role of the plan (SPEC §1), against one organisation's own objects.

Who may use what is stated once, in ALLOWED. An allowed request answers 2xx/3xx (never a
redirect to the login page); any other answers 403 or 404; nothing answers 500. Each request
runs in a transaction rolled back after it, so every one sees the same world. A method the table
does not name for a route is refused to everyone (403, 404 or 405); a route it does not name
at all fails the walk until it is added.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from casedesk.accounts.models import User
from casedesk.api.models import ApiToken, digest
from casedesk.billing import actions as billing_actions
from casedesk.cases import actions
from casedesk.core.uploads import Upload
from casedesk.macd import actions as macd_actions
from casedesk.macd import timesheet
from casedesk.mail import intake
from casedesk.outbox import suppression
from casedesk.status import maintenance, masters, webhooks
from casedesk.status.models import Impact, MaintenanceKind
from casedesk.workbench import saved_views
from tests.factories import (
    AdministratorFactory,
    BillingFactory,
    ContactFactory,
    ManagerFactory,
    OrganisationFactory,
    PlatformFactory,
    RepresentativeFactory,
    StaffFactory,
    TeamFactory,
    UserFactory,
    make_case,
)
from tests.mail.mailgen import make_mail
from tests.twofactor import code_for
from tests.web.test_tenancy import PARAM, PUBLIC_NAMESPACES

pytestmark = pytest.mark.django_db
REPORT_SLUGS = ("attainment", "backlog", "volume", "agents", "satisfaction", "incidents")

PRIMARY, SECONDARY, CONTACT, FINANCIAL = "primary MPOC", "secondary MPOC", "contact", "financial contact"
CSR, TECH, MANAGER, BILLING, ADMIN = "representative", "technician", "manager", "billing", "administrator"
MPOCS = {PRIMARY, SECONDARY}
CUSTOMERS = MPOCS | {CONTACT, FINANCIAL}
CASE_STAFF = {CSR, TECH, MANAGER, ADMIN}  # staff who see cases (billing sees billing cases only)
STAFF = CASE_STAFF | {BILLING}
WORKERS = {TECH, MANAGER, ADMIN}  # work the team's cases, triage, maintenance
MANAGERS = {MANAGER, ADMIN}  # master cases, reports
EVERYONE = CUSTOMERS | STAFF
ROLES = sorted(EVERYONE)
MACD_WORK = (
    "portal:macd_live",
    "console:macd_live",
    "console:macd_time",
    "console:macd_time_edit",
    "console:macd_timer",
    "console:macd_extend",
    "console:macd_apply",
    "api:get_request",
    "api:log_time",
    "api:extend",
    "api:apply_request",
)

# (method, route name) -> the roles that may. A non-MPOC contact sees only the cases they
# take part in, and the walk's case is not one of theirs: its pages answer them 404.
ALLOWED: dict[tuple[str, str], set[str]] = {
    # Sign-in pages and the home redirect: anyone.
    ("GET", "home"): EVERYONE,
    ("GET", "login"): EVERYONE,
    ("POST", "login"): EVERYONE,
    ("POST", "logout"): EVERYONE,
    ("GET", "password_reset"): EVERYONE,
    ("POST", "password_reset"): EVERYONE,
    ("GET", "password_reset_done"): EVERYONE,
    ("GET", "password_reset_confirm"): set(),  # the walk's link has no valid token: 404
    ("POST", "password_reset_confirm"): set(),
    ("GET", "confirm_resolution"): set(),  # no valid token either: 404 (see tests/cases/test_resolution.py)
    ("POST", "confirm_resolution"): set(),
    ("GET", "password_reset_complete"): EVERYONE,
    ("POST", "csp_report"): EVERYONE,  # browsers report policy violations without a session
    # Probes for process managers and load balancers; metrics only with their own token.
    ("GET", "healthz"): EVERYONE,
    ("GET", "readyz"): EVERYONE,
    ("GET", "metrics"): set(),
    ("GET", "attachment"): MPOCS | CASE_STAFF,
    # Account and sign-in security: everyone's own (the walk's session id is nobody's).
    ("GET", "account"): EVERYONE,
    ("GET", "two_factor_verify"): EVERYONE,
    ("POST", "two_factor_verify"): EVERYONE,
    ("GET", "two_factor_enrol"): EVERYONE,
    ("POST", "two_factor_enrol"): EVERYONE,
    ("GET", "two_factor_qr"): set(),  # nothing waits to be confirmed: 404
    ("POST", "two_factor_qr"): set(),
    ("POST", "two_factor_recovery_codes"): EVERYONE,  # without a second factor: told to set one up
    ("POST", "two_factor_off"): EVERYONE,  # who must keep it is told so
    ("GET", "password_change"): EVERYONE,
    ("POST", "password_change"): EVERYONE,
    ("GET", "email_change"): STAFF,  # a customer's address is the organisation's contact record
    ("POST", "email_change"): STAFF,
    ("POST", "session_end"): set(),
    ("POST", "sessions_end_others"): EVERYONE,
    ("GET", "admin_login"): STAFF,  # signed in: on to the admin (customers: refused)
    ("POST", "admin_login"): STAFF,
    # Portal.
    ("GET", "portal:cases"): CUSTOMERS,
    ("GET", "portal:new"): MPOCS,
    ("POST", "portal:new"): MPOCS,
    ("GET", "portal:case"): MPOCS,
    ("POST", "portal:comment"): MPOCS,
    ("POST", "portal:reopen"): MPOCS,
    ("POST", "portal:confirm"): MPOCS,
    ("POST", "portal:escalate"): MPOCS,
    ("POST", "portal:participant_add"): MPOCS,  # colleagues only; outside addresses: staff
    ("POST", "portal:participant_remove"): MPOCS,
    ("GET", "portal:profile"): CUSTOMERS,
    ("GET", "portal:reports"): MPOCS,
    ("GET", "portal:search"): CUSTOMERS,  # each over the cases they see
    ("GET", "portal:escalation"): EVERYONE,
    # Partners: choosing "all customers" is harmless to any contact (a customer acts for no
    # one else); the partner's access page is its primary MPOC's, and the walk's is no partner.
    ("POST", "portal:acting_for"): CUSTOMERS,
    ("GET", "portal:partner_people"): set(),
    ("POST", "portal:partner_grant"): set(),
    ("POST", "portal:partner_revoke"): set(),
    # Console.
    ("GET", "console:queue"): STAFF,
    ("GET", "console:queue_named"): STAFF,
    ("GET", "console:queue_rows"): STAFF,
    ("POST", "console:queue_bulk"): STAFF,  # each case then as the role may (refusals named)
    ("POST", "console:view_save"): STAFF,
    ("GET", "console:organisation_suggest"): STAFF,  # organisations' names and numbers only
    ("POST", "console:view_delete"): {TECH},  # the walk's view is the technician's own
    ("POST", "console:correct"): WORKERS,
    ("GET", "console:search"): STAFF,  # billing: no cases, so no results
    ("GET", "console:contacts"): CASE_STAFF,
    ("GET", "console:new"): CASE_STAFF,
    ("POST", "console:new"): CASE_STAFF,
    ("GET", "console:case"): CASE_STAFF,
    ("POST", "console:comment"): CASE_STAFF,
    ("POST", "console:transition"): WORKERS,
    ("POST", "console:disposition"): WORKERS,  # sets a priority: representatives only route
    ("POST", "console:details"): WORKERS,
    ("POST", "console:update_interval"): WORKERS,
    ("POST", "console:link"): WORKERS,
    ("POST", "console:reopen"): CASE_STAFF,
    ("POST", "console:escalate"): CASE_STAFF,
    ("POST", "console:participant_add"): CASE_STAFF,  # whoever may write to the customer
    ("POST", "console:participant_remove"): CASE_STAFF,
    ("GET", "console:mail_quarantine"): CASE_STAFF,
    ("GET", "console:mail_message"): CASE_STAFF,
    ("GET", "console:mail_raw"): CASE_STAFF,
    ("POST", "console:mail_accept"): CASE_STAFF,
    ("POST", "console:mail_reject"): CASE_STAFF,
    ("GET", "console:mail_suppressions"): CASE_STAFF,
    ("POST", "console:mail_lift"): CASE_STAFF,
    ("GET", "console:masters"): MANAGERS,
    ("POST", "console:master_new"): MANAGERS,
    ("GET", "console:master"): MANAGERS,
    ("POST", "console:master_update"): MANAGERS,
    ("POST", "console:master_link"): MANAGERS,
    ("POST", "console:master_unlink"): MANAGERS,
    ("POST", "console:master_resolve"): MANAGERS,
    ("POST", "console:promote"): MANAGERS,
    ("GET", "console:sla_report"): MANAGERS,
    ("GET", "console:reports"): MANAGERS,
    ("POST", "console:report_subscribe"): MANAGERS,
    ("POST", "console:report_unsubscribe"): set(),  # the walk's id names none of theirs: 404
    **{("GET", f"console:report_{slug}"): MANAGERS for slug in REPORT_SLUGS},
    ("GET", "console:disclosures"): MANAGERS,
    ("GET", "console:privacy_requests"): MANAGERS,
    ("GET", "console:privacy_request"): set(),  # the walk's id names no request: 404
    ("POST", "console:privacy_request"): set(),
    ("GET", "console:privacy_export"): set(),
    ("POST", "console:verify_caller"): CASE_STAFF,
    ("POST", "console:passcode_set"): set(),  # no contact named: 404
    ("GET", "portal:passcodes"): CUSTOMERS,
    ("POST", "portal:passcode_set"): {PRIMARY},
    ("POST", "portal:address_of_record"): {PRIMARY},
    ("GET", "privacy_request"): EVERYONE,
    ("POST", "privacy_request"): EVERYONE,
    ("GET", "privacy_confirm"): set(),  # no valid token: 404
    ("POST", "privacy_confirm"): set(),
    ("GET", "console:maintenance"): WORKERS,
    ("GET", "console:maintenance_new"): WORKERS,
    ("POST", "console:maintenance_new"): WORKERS,
    ("GET", "console:maintenance_window"): WORKERS,
    ("POST", "console:maintenance_cancel"): WORKERS,
    ("POST", "console:occurrence_cancel"): WORKERS,
    ("POST", "console:occurrence_reschedule"): WORKERS,
    ("POST", "console:occurrence_follow_up"): WORKERS,
    ("GET", "console:webhooks"): WORKERS,
    ("POST", "console:webhook_add"): WORKERS,
    ("POST", "console:webhook_remove"): WORKERS,
    # API.
    ("GET", "api:api-root"): set(),  # the bare prefix is no page
    ("GET", "api:openapi-json"): EVERYONE,
    ("GET", "api:openapi-view"): EVERYONE,
    ("GET", "api:list_cases"): EVERYONE,  # each sees their own list (billing and contacts: empty)
    ("POST", "api:list_cases"): MPOCS | CASE_STAFF,
    ("GET", "api:get_case"): MPOCS | CASE_STAFF,
    ("POST", "api:add_comment"): MPOCS | CASE_STAFF,
    ("POST", "api:transition"): MPOCS | WORKERS,  # a customer confirms; staff close
    ("POST", "api:reopen"): MPOCS | CASE_STAFF,
    ("POST", "api:disposition"): WORKERS,
    ("GET", "api:list_organisations"): STAFF,
    ("GET", "api:get_organisation"): STAFF,
    ("GET", "api:list_contacts"): STAFF,
    ("GET", "api:get_contact"): STAFF,
    ("GET", "api:deadline_preview"): STAFF,
    # MACD requests: MPOCs raise and approve them; staff who work cases log time on them.
    ("GET", "portal:macd_new"): MPOCS,
    ("POST", "portal:macd_new"): MPOCS,
    ("POST", "portal:macd_decide"): MPOCS,  # the walk's pending request
    ("GET", "portal:macd_live"): MPOCS,
    ("GET", "console:macd_live"): CASE_STAFF,
    ("POST", "console:macd_time"): WORKERS,
    ("POST", "console:macd_time_edit"): WORKERS,  # the technician's own entry; managers any
    ("POST", "console:macd_timer"): WORKERS,
    ("POST", "console:macd_extend"): WORKERS,
    ("POST", "console:macd_apply"): WORKERS,
    ("GET", "macd_approval"): set(),  # no valid token: 404 (see tests/macd)
    ("POST", "macd_approval"): set(),
    ("GET", "api:list_requests"): EVERYONE,  # each sees their own list
    ("POST", "api:list_requests"): MPOCS,
    ("GET", "api:get_request"): MPOCS | CASE_STAFF,
    ("POST", "api:approve"): MPOCS,
    ("POST", "api:decline"): MPOCS,
    ("POST", "api:log_time"): WORKERS,
    ("POST", "api:extend"): WORKERS,
    ("POST", "api:apply_request"): WORKERS,
    # CPNI and privacy over the API: the pages' rules (staff holding view_cpni verify and
    # see CPNI; the disclosure log and privacy requests are for the privacy permission).
    ("GET", "api:list_passcodes"): CUSTOMERS | CASE_STAFF,
    ("POST", "api:set_passcode"): {PRIMARY} | CASE_STAFF,
    ("POST", "api:verify_case_caller"): CASE_STAFF,
    ("POST", "api:verify_caller"): CASE_STAFF,
    ("GET", "api:organisation_cpni"): CASE_STAFF,
    ("GET", "api:list_disclosures"): MANAGERS,
    ("GET", "api:export_disclosures"): MANAGERS,
    ("GET", "api:privacy_requests"): MANAGERS,
    # The walk's request id names no request: 404 for everyone.
    ("GET", "api:privacy_request"): set(),
    ("GET", "api:privacy_export"): set(),
    ("POST", "api:privacy_correct"): set(),
    ("POST", "api:privacy_erase"): set(),
    ("POST", "api:privacy_extend"): set(),
    ("POST", "api:privacy_answer"): set(),
    ("POST", "api:privacy_decline"): set(),
    # The Solutions Center (the walk's article is for customers: every logged-in role reads it).
    ("GET", "solutions:home"): EVERYONE,
    ("GET", "solutions:search"): EVERYONE,
    ("GET", "solutions:suggest"): EVERYONE,
    ("POST", "solutions:suggest"): EVERYONE,
    ("GET", "solutions:category"): EVERYONE,
    ("GET", "solutions:article"): EVERYONE,
    ("POST", "solutions:feedback"): EVERYONE,
    ("GET", "solutions:file"): EVERYONE,
    ("GET", "kbconsole:list"): STAFF,
    ("GET", "kbconsole:report"): STAFF,
    ("GET", "kbconsole:revisions"): STAFF,
    ("GET", "kbconsole:new"): WORKERS,  # writers: technicians, managers, administrators
    ("POST", "kbconsole:new"): WORKERS,
    ("GET", "kbconsole:edit"): WORKERS,
    ("POST", "kbconsole:edit"): WORKERS,
    ("POST", "kbconsole:files"): WORKERS,
    ("POST", "kbconsole:restore"): WORKERS,
    ("GET", "kbconsole:delete"): WORKERS,
    ("POST", "kbconsole:delete"): WORKERS,
}
# The service inventory: who sees an organisation's inventory (VIEW_INVENTORY) and who changes
# it (MANAGE_INVENTORY); the console's pages name the organisation.
SEE_INVENTORY = MPOCS | {FINANCIAL}
STAFF_INVENTORY = CASE_STAFF
for side, viewers, managers in (("portal", SEE_INVENTORY, MPOCS), ("console", STAFF_INVENTORY, WORKERS)):
    ALLOWED.update(
        {
            ("GET", f"{side}:inventory"): viewers,
            ("GET", f"{side}:inventory_export"): viewers,
            ("GET", f"{side}:inventory_item"): viewers,
            ("GET", f"{side}:inventory_change"): managers,
            ("POST", f"{side}:inventory_change"): managers,
            ("POST", f"{side}:inventory_cancel"): managers,
            # An import's page and progress are for whoever sees the inventory. Uploading,
            # confirming and cancelling an import are the managers'; the import pages answer
            # anyone else's with a redirect carrying the refusal, which the walk sees as 3xx.
            ("POST", f"{side}:inventory_upload"): viewers,
            ("GET", f"{side}:inventory_import"): viewers,
            ("GET", f"{side}:inventory_progress"): viewers,
            ("POST", f"{side}:inventory_confirm"): viewers,
            ("POST", f"{side}:inventory_import_cancel"): viewers,
        }
    )
ALLOWED.update(
    {
        ("GET", "console:inventory_organisations"): STAFF_INVENTORY,
        ("GET", "api:change_types"): EVERYONE,
        ("GET", "api:list_items"): SEE_INVENTORY | STAFF_INVENTORY,
        ("GET", "api:charges"): SEE_INVENTORY | STAFF_INVENTORY,
        ("POST", "api:preview"): MPOCS | WORKERS,
        ("POST", "api:apply"): MPOCS | WORKERS,
    }
)
# Billing: BillCenter for financial contacts and MPOCs, the console's pages for billing staff.
BILLCENTER = MPOCS | {FINANCIAL}
BILLING_STAFF = {BILLING, ADMIN}
ALLOWED.update(
    {
        ("GET", "portal:billing"): BILLCENTER,
        ("GET", "portal:billing_invoice"): BILLCENTER,
        ("GET", "portal:billing_pdf"): BILLCENTER,
        ("GET", "portal:billing_csv"): BILLCENTER,
        ("POST", "portal:billing_dispute"): BILLCENTER,
        ("GET", "console:billing"): BILLING_STAFF,
        ("GET", "console:billing_invoice"): BILLING_STAFF,
        ("GET", "console:billing_pdf"): BILLING_STAFF,
        ("POST", "console:billing_prepare"): BILLING_STAFF,
        ("POST", "console:billing_adjustment"): BILLING_STAFF,
        ("POST", "console:billing_resend"): BILLING_STAFF,
        ("POST", "console:billing_decide"): BILLING_STAFF,
        # A partner's or rebiller's BillCenter of its customers: nobody of the walk is one's.
        ("GET", "portal:billing_customers"): set(),
        ("GET", "portal:billing_customers_csv"): set(),
        # Another rebiller's brand: staff see every brand; the walk's customers see none.
        ("GET", "brand_colours"): STAFF,
        ("GET", "brand_logo"): STAFF,
    }
)
# Pages that only read answer a POST as they answer a GET.
READS = [
    "home",
    "account",
    "password_reset_done",
    "password_reset_complete",
    "attachment",
    "portal:cases",
    "portal:case",
    "portal:profile",
    "portal:reports",
    "portal:search",
    "portal:escalation",
    "console:queue",
    "console:queue_named",
    "console:queue_rows",
    "console:contacts",
    "console:search",
    "console:case",
    "console:mail_quarantine",
    "console:mail_message",
    "console:mail_raw",
    "console:mail_suppressions",
    "console:masters",
    "console:master",
    "console:sla_report",
    "console:reports",
    *(f"console:report_{slug}" for slug in REPORT_SLUGS),
    "console:maintenance",
    "console:maintenance_window",
    "console:webhooks",
    "api:openapi-json",
    "api:openapi-view",
    "portal:macd_live",
    "console:macd_live",
    "solutions:home",
    "solutions:search",
    "solutions:category",
    "solutions:article",
    "solutions:file",
    "kbconsole:list",
    "kbconsole:report",
    "kbconsole:revisions",
]
READS += [f"{side}:inventory{page}" for side in ("portal", "console") for page in ("", "_export", "_item")]
READS += [f"{side}:inventory{page}" for side in ("portal", "console") for page in ("_import", "_progress")]
READS += ["console:inventory_organisations", "console:chats", "console:chat"]
READS += [f"portal:billing{page}" for page in ("", "_invoice", "_pdf", "_csv")]
READS += [f"console:billing{page}" for page in ("", "_invoice", "_pdf")]
# Live chat and calls: the walk's chat is the primary MPOC's, accepted by the technician.
ALLOWED.update(
    {
        ("GET", "console:chats"): STAFF,
        ("GET", "console:chat"): STAFF,
        ("POST", "console:chat_accept"): {TECH},
        ("POST", "console:chat_send"): {TECH},
        ("POST", "console:chat_transfer"): {TECH},
        ("POST", "console:chat_to_case"): WORKERS,  # a representative sets no priority
        ("POST", "console:chat_attach"): CASE_STAFF,
        ("POST", "console:chat_end"): STAFF,
        ("GET", "console:call_new"): CASE_STAFF,
        ("POST", "console:call_new"): CASE_STAFF,
        ("POST", "chat_upload"): set(),  # the walk knows no chat's token: 404
        ("GET", "chat_file"): set(),  # the walk's message id is an e-mail's: no such file
        ("POST", "api:report_call"): set(),  # unsigned: refused
    }
)
ALLOWED.update({("POST", name): ALLOWED[("GET", name)] for name in READS})


def named_routes() -> list[tuple[str, str]]:
    """(name, route) of every URL pattern the walk covers, as the tenancy walk picks them."""

    def walk(patterns, prefix: str = "", namespace: str = ""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                yield namespace, prefix + str(entry.pattern), entry.name

    seen: dict[str, str] = {}
    for ns, route, name in walk(get_resolver().url_patterns):
        if ns in PUBLIC_NAMESPACES or route.startswith("static"):
            continue
        seen.setdefault(route, f"{ns}:{name}" if ns else name)  # one route, several methods: one name
    return sorted((name, route) for route, name in seen.items())


def _chat(customer: User, technician: User) -> Any:
    from casedesk.chat import actions as chat_actions
    from casedesk.rules.calendar import DENVER
    from casedesk.rules.chat import Identity

    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=DENVER), tick=True):  # chat is open
        chat = chat_actions.start_chat(identity=Identity.PORTAL, user=customer)
    return chat_actions.accept(chat, by=technician)


@pytest.fixture
def world():
    team = TeamFactory(name="Cloud")
    platform = PlatformFactory(name="Hosted Voice", team=team)
    org = OrganisationFactory(name="Acme Dental", platforms=[platform])
    users: dict[str, User] = {}
    contacts = {}
    for role, flags in (
        (PRIMARY, {"is_primary_mpoc": True, "is_secondary_mpoc": False}),
        (SECONDARY, {"is_secondary_mpoc": True}),
        (CONTACT, {"is_secondary_mpoc": False}),
        (FINANCIAL, {"is_secondary_mpoc": False, "is_financial_contact": True}),
    ):
        user = UserFactory()
        contacts[role] = ContactFactory(organisation=org, user=user, email=user.email, **flags)
        users[role] = user
    tech = StaffFactory()
    team.members.add(tech)
    manager = ManagerFactory()
    team.manager = manager
    team.save()
    users.update(
        {
            CSR: RepresentativeFactory(),
            TECH: tech,
            MANAGER: manager,
            BILLING: BillingFactory(),
            ADMIN: AdministratorFactory(),
        }
    )
    dana = users[PRIMARY]
    # The organisation's cases, opened by the primary MPOC and triaged into the Cloud team.
    case = make_case(by=dana, title="Phones down", platform=platform, uploads=[Upload("log.txt", b"log")])
    actions.disposition(case, by=tech, priority="P3", team=team, assignee=tech)
    other = make_case(by=dana, title="Voicemail", platform=platform)
    resolved = make_case(by=dana, title="Fax", platform=platform)
    actions.disposition(resolved, by=tech, priority="P4", team=team, assignee=tech)
    actions.transition(resolved, to="resolved_follow_up", by=tech, note="Fixed?")
    closed = make_case(by=dana, title="Greeting", platform=platform)
    actions.disposition(closed, by=tech, priority="P4", team=team, assignee=tech)
    actions.transition(closed, to="closed", by=tech, resolution="Uploaded.")
    master = masters.create_master(by=manager, title="Outage", body="Investigating.", platforms=[platform])
    child = make_case(by=dana, title="No dial tone", platform=platform)
    masters.link_child(master, child, by=manager)
    window = maintenance.create_window(
        by=tech,
        kind=MaintenanceKind.ONE_OFF,
        title="Core router swap",
        platforms=[platform],
        description="Swap.",
        justification="Age.",
        first_day=timezone.localdate() + timedelta(days=3),
        start_time=time(22),
        end_time=time(2),
    )
    hook = webhooks.add_platform_webhooks(by=tech, url="https://93.184.216.34/hook", platforms=[platform])
    copied = actions.add_participants(case, by=tech, addresses=["vendor@carrier.example.net"])[0]
    # MACD requests: one Dana raised (approved: hers counts), one awaiting both MPOCs.
    seat = [{"kind": "seat", "op": "add", "values": {"email": "pat@acme.example.com", "name": "Pat"}}]
    approved = macd_actions.submit(macd_actions.Submission(by=dana, title="New hire", changes=seat))
    pending = macd_actions.submit(
        macd_actions.Submission(by=dana, title="Leaver", changes=seat, counts_as_approval=False)
    )
    # An invoice issued before the time below is logged: that entry stays editable.
    invoice = billing_actions.issue(org, "2026-11")
    dispute = billing_actions.dispute(invoice, by=dana, line_ids=[], reason="Why is it higher?")
    entry = timesheet.log_time(approved, by=tech, minutes=16, note="Seat set up")
    stock = _inventory(dana, org)
    tokens = {}
    for role, user in users.items():
        raw = ApiToken.new_raw()
        ApiToken.objects.create(user=user, key_digest=digest(raw), prefix=raw[:8], created_at=timezone.now())
        tokens[role] = raw
    start = timezone.localtime() + timedelta(days=5)
    values = {
        "number": case.number,
        "attachment_id": case.attachments.get().pk,
        "org_id": org.pk,
        "contact_id": contacts[SECONDARY].pk,
        "request_id": 999999,  # no such privacy request: 404 for everyone
        "fmt": "json",
        "name": "team",
        "uidb64": urlsafe_base64_encode(force_bytes(dana.pk)),
        "token": "set-password",
        "message_id": intake.ingest(make_mail("stranger@elsewhere.example.org", subject="Hello")).inbound_id,
        "window_id": window.pk,
        "occurrence_id": window.occurrences.get().pk,
        "subscription_id": hook[0].pk,
        "participant_id": copied.pk,
        "entry_id": entry.pk,
        **stock,
        "invoice_id": invoice.pk,
        "dispute_id": dispute.pk,
        "view_id": saved_views.save_view(tech, name="Cloud P1", queue="team", query="priority=P1").pk,
        "suppression_id": suppression.suppress(
            "gone@elsewhere.example.org", reason="bounce_permanent", evidence="test", inbound_id=None
        ).pk,
        "session_id": "0" * 64,
        "delegate_id": 999999,  # no partner's access: 404 (tests/partners walk a partner's)
        "chat_id": _chat(dana, tech).pk,
        **_solutions(tech),
        "brand_id": _brand(),
    }
    # Which case a route acts on when the open one would not do.
    numbers = {
        "portal:confirm": resolved.number,
        "api:transition": resolved.number,
        "portal:reopen": closed.number,
        "console:reopen": closed.number,
        "api:reopen": closed.number,
        "console:master": master.number,
        "console:master_update": master.number,
        "console:master_link": master.number,
        "console:master_unlink": master.number,
        "console:master_resolve": master.number,
        **dict.fromkeys(MACD_WORK, approved.number),
        **dict.fromkeys(("portal:macd_decide", "api:approve", "api:decline"), pending.number),
    }
    local = "%Y-%m-%dT%H:%M"
    bodies = {
        "login": {"username": "nobody@example.com", "password": "wrong"},
        "two_factor_enrol": {"action": "begin"},
        "password_change": {
            "old_password": "pass-word-123",
            "new_password1": "Another-pass-2026",
            "new_password2": "Another-pass-2026",
        },
        "email_change": {"email": "renamed@support.example.com", "password": "pass-word-123"},
        "password_reset": {"email": "nobody@example.com"},
        "privacy_request": {"kind": "know", "email": "nobody@example.com"},
        "portal:new": {"title": "Desk phone dead", "description": "No dial tone."},
        "portal:comment": {"body": "Any news?"},
        "portal:reopen": {"note": "Broken again."},
        "portal:escalate": {"reason": "Too slow."},
        "portal:participant_add": {"contact": contacts[FINANCIAL].pk},
        "console:new": {"contact": contacts[PRIMARY].pk, "title": "Caller: lines down"},
        "console:chat_send": {"body": "Looking now", "key": "walk-1"},
        "console:chat_transfer": {"team": team.pk, "note": "For the voice team"},
        "console:chat_to_case": {"priority": "P3", "title": "From the chat"},
        "console:chat_attach": {"case": case.number},
        "console:call_new": {
            "number": contacts[PRIMARY].phone,
            "contact": contacts[PRIMARY].pk,
            "direction": "inbound",
            "minutes": "1",
            "seconds": "5",
            "notes": "Walk call",
            "case": case.number,
        },
        "console:comment": {"body": "On it."},
        "console:transition": {"to": "resolved_follow_up"},  # assigned, so In-Progress already
        "console:disposition": {"priority": "P2", "team": team.pk, "assignee": tech.pk},
        "console:details": {"vendor": "CarrierCo"},
        "console:correct": {"title": "Phones down at reception", "platform": platform.pk},
        "console:queue_bulk": {"change": "assign", "assignee": tech.pk, "cases": [case.number]},
        "console:view_save": {"name": "Mine, P1", "queue": "mine", "query": "priority=P1"},
        "console:update_interval": {"minutes": "30"},
        "console:link": {"other": other.number},
        "console:reopen": {"note": "Caller says it is broken again."},
        "console:escalate": {"reason": "Caller upset."},
        "console:participant_add": {"address": "noc@carrier.example.net"},
        "console:mail_accept": {"contact": contacts[PRIMARY].pk},
        "console:report_subscribe": {"report": "volume", "every": "week"},
        "console:master_new": {
            "title": "Second outage",
            "body": "Investigating.",
            "platforms": [platform.pk],
        },
        "console:master_update": {"body": "Carrier found the fault."},
        "console:master_link": {"children": other.number},
        "console:master_unlink": {"child": child.number},
        "console:master_resolve": {"note": "Restored."},
        "console:promote": {"body": "Investigating."},
        "console:maintenance_new": {
            "kind": MaintenanceKind.ONE_OFF,
            "title": "Firmware",
            "platforms": [platform.pk],
            "description": "Firmware.",
            "justification": "Fixes.",
            "impact": Impact.MAINTENANCE,
            "first_day": (timezone.localdate() + timedelta(days=4)).isoformat(),
            "start_time": "22:00",
            "end_time": "02:00",
            "recurrence": "once",
        },
        "console:occurrence_reschedule": {
            "start": start.strftime(local),
            "end": (start + timedelta(hours=2)).strftime(local),
        },
        "console:occurrence_follow_up": {"text": "Went well."},
        "console:webhook_add": {"url": "https://93.184.216.34/other", "platform": "all"},
        "solutions:suggest": {"q": "voicemail"},
        "solutions:feedback": {"helpful": "yes"},
        "kbconsole:new": _article_form(),
        "kbconsole:edit": _article_form(),
        "kbconsole:files": {"files": SimpleUploadedFile("steps.txt", b"Step one.")},
        "kbconsole:delete": {"reason": "Out of date."},
        "api:add_comment": {"body": "Any news?"},
        "api:set_passcode": {"passcode": "Valid-Code-991"},
        "api:verify_case_caller": {"contact_id": contacts[PRIMARY].pk, "method": "call_back"},
        "api:verify_caller": {"contact_id": contacts[PRIMARY].pk, "method": "call_back"},
        "api:privacy_correct": {"name": "Dana Q."},
        "api:privacy_extend": {"reason": "The records span three systems."},
        "api:privacy_answer": {"outcome": "Sent the data."},
        "api:privacy_decline": {"reason": "Not the person's data."},
        "api:transition": {"to": "closed", "resolution": "Confirmed fixed."},
        "api:reopen": {"note": "Broken again."},
        "api:disposition": {"priority": "P2"},
        "portal:macd_new": {
            "title": "New hire",
            "type_0": "seat:add",
            "details_0": "Pat",
            "action": "preview",
        },
        "portal:macd_decide": {"decision": "approve"},
        "console:macd_time": {"minutes": "16", "note": "Seat set up"},
        "console:macd_time_edit": {"minutes": "20", "note": "Seat and phone"},
        "console:macd_timer": {"action": "start"},
        "console:macd_extend": {"hours": "2", "note": "The carrier needs longer."},
        "api:preview": {
            "changes": [
                {"kind": "seat", "op": "add", "values": {"email": "max@acme.example.com", "name": "Max"}}
            ]
        },
        "api:apply": {
            "changes": [
                {"kind": "seat", "op": "add", "values": {"email": "max@acme.example.com", "name": "Max"}}
            ]
        },
        "portal:inventory_change": {
            "kind": "seat",
            "op": "add",
            "f_email": "max@acme.example.com",
            "f_name": "Max",
        },
        "console:inventory_change": {
            "kind": "seat",
            "op": "add",
            "f_email": "max@acme.example.com",
            "f_name": "Max",
        },
        "portal:billing_dispute": {"reason": "Is line 1 right?"},
        "console:billing_adjustment": {"organisation": org.pk, "description": "Survey", "amount": "10.00"},
        "api:approve": {"note": ""},
        "api:decline": {"note": ""},
        "api:log_time": {"minutes": 16, "note": "Seat set up"},
        "api:extend": {"minutes": 120, "note": "The carrier needs longer."},
    }
    return {
        "users": users,
        "tokens": tokens,
        "values": values,
        "numbers": numbers,
        "bodies": bodies,
        "primary_contact": contacts[PRIMARY].pk,
    }


def _inventory(dana: User, org) -> dict:
    """An item of the organisation's inventory, a change scheduled for later, a CSV import."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casedesk.inventory import actions as inventory
    from casedesk.inventory import jobs
    from casedesk.inventory.models import Item
    from casedesk.rules.inventory import Change

    inventory.apply_changes(
        dana, org, [Change("seat", "add", values={"email": "kai@acme.example.com", "name": "Kai"})]
    )
    later = inventory.apply_changes(
        dana,
        org,
        [Change("seat", "delete", "kai@acme.example.com")],
        effective=timezone.localdate() + timedelta(days=3),
    )
    job = jobs.start_import(
        dana,
        org,
        SimpleUploadedFile("i.csv", b"kind,email,name\nseat,lou@acme.example.com,Lou\n"),
        source="portal",
    )
    return {"item_id": Item.objects.get(organisation=org).pk, "batch_id": later.batch.pk, "job_id": job.pk}


def _brand() -> int:
    from tests.branding.helpers import rebiller

    return rebiller("Elsewhere Voice")[1].pk


def _solutions(editor) -> dict:
    from casedesk.solutions import actions as kb
    from casedesk.solutions.models import Category

    article = kb.save_article(
        by=editor,
        title="Voicemail PIN reset",
        body="Dial *98.",
        category=Category.objects.create(slug="voicemail-pin-reset", name="Voice"),  # one <slug> for both
        audience="customers",
        publish_at=timezone.now(),
    )
    return {
        "slug": article.slug,
        "article_id": article.pk,
        "revision_id": article.revisions.get().pk,
        "file_id": kb.add_file(article, Upload("notes.txt", b"notes"), by=editor).pk,
    }


def _article_form() -> dict:
    from casedesk.solutions.models import Category

    return {
        "title": "Voicemail PIN reset",
        "body": "Dial *98, then 5.",
        "category": Category.objects.get(slug="voicemail-pin-reset").pk,
        "audience": "customers",
        "state": "now",
    }


def url_for(name: str, route: str, world: dict) -> str:
    values = {**world["values"], "number": world["numbers"].get(name, world["values"]["number"])}

    def value(match) -> str:
        key = match.group(2)
        assert key in values, f"the role walk does not know how to fill <{key}> in {route}"
        return str(values[key])

    url = "/" + PARAM.sub(value, route).replace("^", "").replace("$", "")
    if name == "api:deadline_preview":
        url += "?priority=P1&opened_at=2026-11-27T16:55:00-07:00"
    return url


def body_for(name: str, role: str, world: dict) -> dict:
    if name == "two_factor_verify":  # a code the role's authenticator accepts, if it has one
        device = TOTPDevice.objects.filter(user=world["users"][role], confirmed=True).first()
        return {"code": code_for(device)} if device else {}
    if name == "api:list_requests":
        return {"title": "New hire", "changes": [{"kind": "seat", "op": "add", "details": "Pat"}]}
    if name == "api:list_cases":  # opening a case: staff name the caller, customers open for themselves
        body = {"title": "Phones down"}
        return {**body, "contact_id": world["primary_contact"]} if role in STAFF else body
    return world["bodies"].get(name, {})


def request(client: Client, method: str, name: str, url: str, body: dict, token: str):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    with transaction.atomic():
        if name.startswith("api:") and method == "POST":
            response = client.post(url, body, content_type="application/json", **auth)
        elif method == "POST":
            response = client.post(url, body, **auth)
        else:
            response = client.get(url, **auth)
        transaction.set_rollback(True)
    if session is not None:  # logging in or out changed the cookie; the session row was kept
        client.cookies = SimpleCookie({settings.SESSION_COOKIE_NAME: session.value})
    return response


def test_the_table_names_every_route():
    named = {name for _, name in ALLOWED}
    assert [name for name, _ in named_routes() if name not in named] == []
    assert named <= {name for name, _ in named_routes()}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_what_the_table_allows(world, role):
    user = world["users"][role]
    client = Client()
    client.force_login(user)
    wrong = []
    for name, route in named_routes():
        for method in ("GET", "POST"):
            url = url_for(name, route, world)
            response = request(client, method, name, url, body_for(name, role, world), world["tokens"][role])
            status = response.status_code
            allowed = role in ALLOWED.get((method, name), set())
            sent_to_login = name != "logout" and "/login/" in response.get("Location", "")
            ok = 200 <= status < 400 and not sent_to_login
            if (allowed and not ok) or (not allowed and status not in (403, 404, 405)):
                detail = response.content[:300].decode(errors="replace").replace("\n", " ")
                wrong.append(
                    f"{method} {url} ({name}): {status}, expected {'2xx/3xx' if allowed else '403/404'}"
                )
                wrong.append(f"    {detail}")
    assert wrong == [], f"as {role}:\n" + "\n".join(wrong)
