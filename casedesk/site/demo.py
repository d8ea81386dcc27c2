"""Fictional demo data: a provider's teams and staff, three customers, cases in every status.

Idempotent: run it again and nothing is duplicated. Names and numbers are invented
(example.com addresses, 555-01xx phone numbers).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from casedesk.accounts.models import Contact, EscalationContact, Organisation, Platform, Shift, Team, User
from casedesk.cases import actions
from casedesk.cases.models import Case, Channel, Priority
from casedesk.core import clock
from casedesk.rules.lifecycle import Status
from casedesk.site import demo_articles, demo_billing, demo_macd, demo_partners
from casedesk.site.demo_inventory import seed_inventory
from casedesk.sla.models import EscalationLevel

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (published demo logins)
# The published authenticator key of the demo staff who must sign in with a second factor
# (administrator, billing): add it to an app, or `manage.py demo_code` prints the code.
DEMO_TOTP_SECRET = "CASEDESKDEMOSECRETKEYFORTHEADMIN"  # noqa: S105 (published demo logins)

TEAMS = [("Cloud", "cloud"), ("Microsoft", "microsoft"), ("Cisco", "cisco"), ("Network operations", "netops")]
PLATFORMS = [
    ("hosted-voice", "Hosted Voice", "cloud"),
    ("contact-centre", "Contact Centre", "cloud"),
    ("teams-operator-connect", "Microsoft Teams / Operator Connect", "microsoft"),
    ("webex", "Cisco Webex and Jabber", "cisco"),
    ("circuits", "Network circuits", "netops"),
]
STAFF = [
    ("rita@support.example.com", "Rita", "Reyes", User.StaffRole.REPRESENTATIVE, []),
    ("theo@support.example.com", "Theo", "Tran", User.StaffRole.TECHNICIAN, ["cloud"]),
    ("mina@support.example.com", "Mina", "Moss", User.StaffRole.TECHNICIAN, ["microsoft"]),
    ("marcus@support.example.com", "Marcus", "Hale", User.StaffRole.MANAGER, ["cloud", "microsoft"]),
    ("bea@support.example.com", "Bea", "Kim", User.StaffRole.BILLING, []),
]
ORGANISATIONS = [
    ("Acme Dental Group", "ACME-1001", "acme", ["hosted-voice", "teams-operator-connect"], "0101"),
    ("Blue Ridge Logistics", "BRL-2002", "blueridge", ["hosted-voice", "contact-centre", "circuits"], "0121"),
    ("Cedar Valley Schools", "CVS-3003", "cedar", ["webex", "teams-operator-connect"], "0141"),
]
LEGACY_NETWORK = {"BRL-2002"}  # on the legacy network: network operations is on its path
# The seeded support path's platform managers, and the team whose platforms each takes.
PLATFORM_MANAGERS = {
    "Cloud platform support manager": "cloud",
    "Cisco platform support manager": "cisco",
    "Microsoft platform support manager": "microsoft",
}
PEOPLE = [
    # (first name, title, primary, secondary, non-MPOC)
    ("Dana", "IT Director", True, False),
    ("Sam", "Systems Administrator", False, True),
    ("Lee", "Office Manager", False, False),
    ("Fran", "Controller", False, False),
]


def _user(email: str, first: str, last: str, *, staff: bool = False, role: str = "") -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "username": email,
            "first_name": first,
            "last_name": last,
            "is_staff": staff,
            "staff_role": role,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


@transaction.atomic
def _demo_authenticator(user: User) -> None:
    """A confirmed authenticator with the published demo key, unless the user has one."""
    from base64 import b32decode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        key = b32decode(DEMO_TOTP_SECRET).hex()
        TOTPDevice.objects.create(user=user, name="Authenticator app (demo key)", key=key, confirmed=True)


def demo_code() -> tuple[str, int]:
    """The demo key's code now, and the seconds it stays valid."""
    from base64 import b32decode

    from django_otp.oath import TOTP

    totp = TOTP(b32decode(DEMO_TOTP_SECRET))
    totp.time = clock.now().timestamp()
    return f"{totp.token():06d}", 30 - int(totp.time) % 30


def _on_shift(user: User) -> None:
    """Technicians are on shift for the next 90 days, so a demo e-mail is assigned in turn
    as the plan says rather than left in the triage queue."""
    now = clock.now()
    if not Shift.objects.filter(user=user, starts_at__lte=now, ends_at__gt=now).exists():
        Shift.objects.create(user=user, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=90))


def seed() -> list[tuple[str, str]]:
    """Create what is missing; return (login, what it is) pairs for the demo logins."""
    teams = {slug: Team.objects.get_or_create(slug=slug, defaults={"name": name})[0] for name, slug in TEAMS}
    platforms = {
        code: Platform.objects.get_or_create(code=code, defaults={"name": name, "team": teams[team]})[0]
        for code, name, team in PLATFORMS
    }
    for role, slug in PLATFORM_MANAGERS.items():
        EscalationLevel.objects.filter(path__kind="support", role=role, team__isnull=True).update(
            team=teams[slug]
        )
    logins: list[tuple[str, str]] = []
    staff = {}
    for email, first, last, role, team_slugs in STAFF:
        user = _user(email, first, last, staff=True, role=role)
        for slug in team_slugs:
            teams[slug].members.add(user)
        if role == User.StaffRole.MANAGER:
            for slug in team_slugs:
                Team.objects.filter(pk=teams[slug].pk, manager__isnull=True).update(manager=user)
        staff[first] = user
        if role == User.StaffRole.TECHNICIAN:
            _on_shift(user)
        logins.append((email, f"staff, {User.StaffRole(role).label}"))
    admin = _user("admin@support.example.com", "Ada", "Admin", staff=True, role=User.StaffRole.ADMINISTRATOR)
    if not admin.is_superuser:
        admin.is_superuser = True
        admin.save(update_fields=["is_superuser"])
    logins.append(("admin@support.example.com", "staff, administrator (Django admin)"))
    for user in (admin, staff["Bea"]):
        _demo_authenticator(user)

    for name, account, domain, codes, phone_base in ORGANISATIONS:
        org, _ = Organisation.objects.get_or_create(
            account_number=account, defaults={"name": name, "legacy_network": account in LEGACY_NETWORK}
        )
        org.platforms.set([platforms[c] for c in codes])
        contacts = {}
        for index, (first, title, primary, secondary) in enumerate(PEOPLE):
            email = f"{first.lower()}@{domain}.example.com"
            technical = primary or secondary
            portal_user = _user(email, first, name.split()[0]) if first != "Fran" else None
            contact, _ = Contact.objects.get_or_create(
                organisation=org,
                email=email,
                defaults={
                    "name": f"{first} {name.split()[0]}",
                    "title": title,
                    "phone": f"303-555-{int(phone_base) + index:04d}",
                    "user": portal_user,
                    "is_primary_mpoc": primary,
                    "is_secondary_mpoc": secondary,
                    "is_technical": technical,
                    "is_master_case_contact": primary,
                    "is_maintenance_contact": primary or secondary,
                    "is_financial_contact": first == "Fran",
                },
            )
            contacts[first] = contact
            if portal_user:
                kind = (
                    "primary MPOC" if primary else "secondary MPOC" if secondary else "contact, not an MPOC"
                )
                logins.append((email, f"{name}, {kind}"))
        for position, (first, title) in enumerate([("Dana", "IT Director"), ("Fran", "Controller")], start=1):
            EscalationContact.objects.get_or_create(
                organisation=org,
                position=position,
                defaults={
                    "name": contacts[first].name,
                    "title": title,
                    "phone": contacts[first].phone,
                    "email": contacts[first].email,
                },
            )
        if not org.cases.exists():
            _cases(org, contacts, staff, [platforms[c] for c in codes])
        seed_inventory(org, contacts, codes, phone_base, admin)
    logins += demo_partners.seed(admin, _user)
    _maintenance(list(platforms.values()))
    demo_macd.seed(staff)
    demo_billing.seed()
    demo_articles.seed(admin, platforms)
    return logins


def _maintenance(platforms: list[Platform]) -> None:
    """The plan's recurring maintenance (SPEC §8), once; each kind's impact and notices come
    from its policy, so the certificate and platform updates leave the page operational."""
    from casedesk.rules.schedule import PLAN_RULES
    from casedesk.status import maintenance
    from casedesk.status.models import MaintenanceWindow

    if MaintenanceWindow.objects.exists():
        return
    today = timezone.localdate()
    windows = [
        (
            "monthly",
            "Monthly scheduled maintenance",
            platforms,
            "Operating system and platform patches on the voice and collaboration platforms.",
            "Keeps the platforms patched and supported.",
            "A call in progress may drop once while its platform restarts.",
        ),
        (
            "certificate",
            "Certificate update",
            platforms[:1],
            "Weekly certificate rotation on the hosted voice platform.",
            "Certificates are renewed before they expire.",
            "",
        ),
        (
            "platform_update",
            "Portal and platform update",
            platforms,
            "Release of the latest portal and platform sprint.",
            "New features and fixes.",
            "",
        ),
    ]
    for kind, title, affected, description, justification, impact in windows:
        rule, start, end = PLAN_RULES[kind]
        maintenance.create_window(
            by=None,
            kind=kind,
            title=title,
            platforms=affected,
            description=description,
            justification=justification,
            expected_impact=impact,
            rrule=rule,
            first_day=today,
            start_time=start,
            end_time=end,
        )


def _cases(
    org: Organisation, contacts: dict[str, Contact], staff: dict[str, User], platforms: list[Platform]
) -> None:
    """One case in each of the nine statuses, made through the actions like any other."""
    dana = contacts["Dana"].user
    sam = contacts["Sam"].user
    assert dana is not None and sam is not None
    theo, rita = staff["Theo"], staff["Rita"]
    p = platforms[0]

    def opened(title: str, by: User | None = None, description: str = "") -> Case:
        return actions.open_case(
            by=by or dana, title=title, description=description, channel=Channel.PORTAL, platform=p
        )

    opened("Voicemail light stuck on for reception phone", description="Reception's MWI light stays on.")
    c = opened("Presence shows offline for several users", by=sam)
    actions.disposition(c, by=theo, priority=Priority.P3, team=p.team, assignee=theo)
    actions.add_comment(c, by=theo, body="We are looking at the presence service now.")
    c = opened("Intermittent drops when transferring calls")
    actions.disposition(c, by=theo, priority=Priority.P2, team=p.team, assignee=theo)
    actions.transition(
        c,
        to=Status.ON_HOLD.value,
        by=theo,
        hold_until=clock.now() + timedelta(days=2),
        note="Waiting for the carrier's maintenance window.",
    )
    c = opened("Replacement desk phone for the front desk")
    actions.disposition(c, by=theo, priority=Priority.P3, team=p.team, assignee=theo)
    actions.transition(
        c,
        to=Status.SHIPPING.value,
        by=theo,
        tracking_number="1Z999AA10123456784",
        shipping_carrier="UPS",
        note="A replacement phone is on its way.",
    )
    c = opened("Call recordings missing from yesterday")
    actions.disposition(c, by=theo, priority=Priority.P3, team=p.team, assignee=theo)
    actions.transition(c, to=Status.RESOLVED.value, by=theo, note="Recordings restored. Can you confirm?")
    c = opened("Hunt group skips the second agent")
    actions.disposition(c, by=theo, priority=Priority.P3, team=p.team, assignee=theo)
    actions.transition(c, to=Status.CLOSED.value, by=theo, resolution="Hunt group order corrected.")
    actions.request_reopen(c, by=dana, note="It is skipping again this morning.")
    # A representative takes the call and routes it; the technician sets the priority.
    main = actions.open_case(
        by=rita,
        contact=contacts["Dana"],
        title="Inbound calls fail for main number",
        channel=Channel.PHONE,
        platform=p,
        assignee=theo,
        team=p.team,
    )
    actions.disposition(main, by=theo, priority=Priority.P1, team=p.team, assignee=theo)
    actions.add_comment(main, by=theo, body="We are tracing the calls with the carrier now.")
    # Dana asked for an update every half hour while the main number is down.
    actions.set_update_interval(main, by=theo, minutes=30)
    dup = opened("Main number not ringing", by=sam)
    actions.transition(
        dup,
        to=Status.DUPLICATE.value,
        by=theo,
        main_case=main,
        note="Already tracked on the main case.",
    )
    c = opened("Fax to email not delivering")
    actions.disposition(c, by=theo, priority=Priority.P4, team=p.team, assignee=theo)
    # Closed No Response is for a question the customer left unanswered (SPEC §4).
    actions.add_comment(
        c, by=theo, body="Please send a test fax and tell us whether it arrives.", asks_customer=True
    )
    actions.transition(
        c, to=Status.CLOSED_NO_RESPONSE.value, by=None, note="No reply after two business days."
    )
    c = opened("Add a new auto-attendant greeting")
    actions.disposition(c, by=theo, priority=Priority.P4, team=p.team, assignee=theo)
    actions.transition(c, to=Status.CLOSED.value, by=theo, resolution="Greeting uploaded and tested.")
