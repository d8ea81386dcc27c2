"""The Client Support Plan's defaults: calendars, SLA policies and escalation paths.

Fictional names and numbers (example.com, 555-01xx); the provider edits them in the admin.
"""

from django.db import migrations

CALENDARS = [
    ("24x7", "24x7x365 support", True, ""),
    ("standard", "Standard business hours (Mon-Fri 08:00-17:00 MT)", False, "mon-fri 08:00-17:00"),
    ("extended", "Extended business hours (Mon-Fri 07:00-19:00 MT)", False, "mon-fri 07:00-19:00"),
    ("chat", "Chat hours", False, "mon-fri 05:00-24:00\nsat,sun 08:00-17:00"),
    ("on-call", "On-call manager hours (weeknights and weekends)", False,
     "mon-fri 00:00-08:00\nmon-fri 17:00-24:00\nsat,sun 00:00-24:00"),
]
# priority: (response minutes, response business days, response calendar, update ...)
POLICIES = {
    "P1": (15, 0, "24x7", 60, 0, "24x7"),
    "P2": (30, 0, "24x7", 120, 0, "24x7"),
    "P3": (240, 0, "standard", 0, 1, "standard"),
    "P4": (0, 1, "standard", 0, 2, "standard"),
    "P1G": (15, 0, "24x7", 60, 0, "24x7"),
}
SUPPORT_PATH = [
    (1, "Support desk", "Support Desk", "303-555-0100", "", "support@example.com", None),
    (2, "Network operations (legacy network customers)", "Nora Ops", "303-555-0102", "303-555-0103",
     "noc@example.com", None),
    (3, "Cloud platform support manager", "Carl Cloud", "303-555-0104", "303-555-0105",
     "cloud.manager@example.com", None),
    (3, "Cisco platform support manager", "Cora Cisco", "303-555-0106", "303-555-0107",
     "cisco.manager@example.com", None),
    (3, "Microsoft platform support manager", "Mick Soft", "303-555-0108", "303-555-0109",
     "microsoft.manager@example.com", None),
    (4, "On-call manager", "On-call Manager", "303-555-0110", "303-555-0111", "oncall@example.com", "on-call"),
    (5, "VP of Client Support", "Vera President", "303-555-0112", "303-555-0113", "vp.support@example.com", None),
    (6, "CEO", "Cedric Executive", "303-555-0114", "", "ceo@example.com", None),
]
OTHER_PATHS = {
    "billing": [("Billing desk", "Bill Desk", "303-555-0120", "billing@example.com"),
                ("Billing manager", "Bea Ledger", "303-555-0121", "billing.manager@example.com")],
    "implementation": [("Implementation desk", "Ian Plement", "303-555-0130", "implementation@example.com"),
                       ("Implementation manager", "Ivy Rollout", "303-555-0131", "impl.manager@example.com")],
    "client_success": [("Client success manager", "Cass Success", "303-555-0140", "success@example.com"),
                       ("Director of client success", "Dee Success", "303-555-0141", "success.director@example.com")],
    "sales": [("Account executive", "Al Sales", "303-555-0150", "sales@example.com"),
              ("Sales director", "Sal Director", "303-555-0151", "sales.director@example.com")],
}


def seed(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    Policy = apps.get_model("sla", "Policy")
    Path = apps.get_model("sla", "EscalationPath")
    Level = apps.get_model("sla", "EscalationLevel")
    calendars = {}
    for key, name, always, hours in CALENDARS:
        calendars[key], _ = Calendar.objects.get_or_create(
            key=key,
            defaults={"name": name, "always_open": always, "hours": hours,
                      "holiday_country": "" if always or key == "on-call" else "US"},
        )
    for priority, (rm, rd, rc, um, ud, uc) in POLICIES.items():
        Policy.objects.get_or_create(
            priority=priority, vendor="",
            defaults={"response_minutes": rm, "response_business_days": rd, "response_calendar": calendars[rc],
                      "update_minutes": um, "update_business_days": ud, "update_calendar": calendars[uc]},
        )
    support, created = Path.objects.get_or_create(
        kind="support", defaults={"description": "The published path for support management, in order."}
    )
    if created:
        for level, role, name, office, mobile, email, on_call in SUPPORT_PATH:
            Level.objects.create(path=support, level=level, role=role, name=name, office_phone=office,
                                 mobile_phone=mobile, email=email,
                                 on_call_calendar=calendars[on_call] if on_call else None)
    for kind, levels in OTHER_PATHS.items():
        path, created = Path.objects.get_or_create(kind=kind)
        if created:
            for number, (role, name, office, email) in enumerate(levels, start=1):
                Level.objects.create(path=path, level=number, role=role, name=name, office_phone=office, email=email)


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
