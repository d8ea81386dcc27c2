"""The support escalation path in the plan's order (SPEC §6): support desk; network
operations for legacy network customers only; the manager of the case's own platform; the
on-call manager in its hours; the NOC manager; the VP; the CEO.

Levels can now be for one team's platforms and for legacy network customers only. The
seeded rows are brought into that order: network operations marked legacy-only, the
platform managers linked to their teams where those exist (otherwise in the admin), the NOC
manager added before the VP, and the support desk's address cleared when it is the desk's
own intake (escalating to the desk tells the case's own people instead).
"""

from django.conf import settings
from django.db import migrations
from django.db.models import F

from casedesk.rules import mailboxes

NOC = {
    "role": "NOC manager",
    "name": "Nolan Control",
    "office_phone": "303-555-0116",
    "mobile_phone": "303-555-0117",
    "email": "noc.manager@example.com",
}
PLATFORM_MANAGERS = {
    "Cloud platform support manager": "cloud",
    "Cisco platform support manager": "cisco",
    "Microsoft platform support manager": "microsoft",
}


def forwards(apps, schema_editor):
    Path = apps.get_model("sla", "EscalationPath")
    Level = apps.get_model("sla", "EscalationLevel")
    Team = apps.get_model("accounts", "Team")
    support = Path.objects.filter(kind="support").first()
    if support is None:
        return
    levels = Level.objects.filter(path=support)
    levels.filter(role__istartswith="network operations").update(legacy_network_only=True)
    for role, slug in PLATFORM_MANAGERS.items():
        team = Team.objects.filter(slug=slug).first()
        if team is not None:
            levels.filter(role=role, team__isnull=True, platform__isnull=True).update(team=team)
    if not levels.filter(role=NOC["role"]).exists():
        vp = levels.filter(role__istartswith="VP").order_by("level").first()
        top = levels.order_by("-level").first()
        number = vp.level if vp is not None else (top.level + 1 if top is not None else 1)
        levels.filter(level__gte=number).update(level=F("level") + 1)
        Level.objects.create(path=support, level=number, **NOC)
    ours = [*settings.CASEDESK_SUPPORT_ADDRESSES, settings.DEFAULT_FROM_EMAIL]
    for level in Level.objects.exclude(email=""):
        if mailboxes.is_own_address(level.email, ours):
            Level.objects.filter(pk=level.pk).update(email="")


def backwards(apps, schema_editor):
    Level = apps.get_model("sla", "EscalationLevel")
    for noc in Level.objects.filter(path__kind="support", role=NOC["role"], email=NOC["email"]):
        noc.delete()
        Level.objects.filter(path_id=noc.path_id, level__gt=noc.level).update(level=F("level") - 1)
    Level.objects.filter(path__kind="support", level=1, email="").update(
        email=settings.DEFAULT_FROM_EMAIL
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_staff_roles"), ("sla", "0003_level_team_and_legacy")]

    operations = [migrations.RunPython(forwards, backwards)]
