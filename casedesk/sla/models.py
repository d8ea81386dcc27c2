"""Business calendars, SLA policies, recorded breaches and escalation paths: all data,
seeded from the plan's defaults and editable in the admin."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models

from casedesk.core.mailboxes import not_ours
from casedesk.rules import calendar as cal
from casedesk.rules import partners
from casedesk.rules import sla as rules

DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def parse_hours(text: str) -> tuple[cal.Span, ...]:
    """Lines such as `mon-fri 08:00-17:00` or `sat,sun 08:00-17:00`; a span may end after
    midnight (`22:00-04:00`) or at `24:00`."""
    spans: list[cal.Span] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lower()
        if not line:
            continue
        try:
            days_part, hours = line.split()
            days: list[int] = []
            for chunk in days_part.split(","):
                if "-" in chunk:
                    first, last = (DAY_NAMES[d] for d in chunk.split("-"))
                    days.extend(range(first, last + 1))
                else:
                    days.append(DAY_NAMES[chunk])
            spans.extend(cal.weekly(days, hours))
        except (KeyError, ValueError) as exc:
            raise ValidationError(
                f"Line {number} ({raw.strip()!r}) is not like 'mon-fri 08:00-17:00'."
            ) from exc
    return tuple(spans)


def parse_dates(text: str) -> list[date]:
    try:
        return [date.fromisoformat(line.strip()) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise ValidationError(f"Dates are one per line, as 2026-12-24: {exc}") from exc


class Calendar(models.Model):
    key = models.SlugField(max_length=40, unique=True, help_text="Policies refer to calendars by this key.")
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=60, default="America/Denver")
    always_open = models.BooleanField(default=False, help_text="24x7x365: hours and holidays are ignored.")
    hours = models.TextField(blank=True, help_text="One line per span, e.g. 'mon-fri 08:00-17:00'.")
    holiday_country = models.CharField(max_length=10, blank=True, help_text="e.g. US (federal holidays).")
    holiday_subdiv = models.CharField(
        max_length=10, blank=True, help_text="A state, e.g. CO; blank for none."
    )
    extra_holidays = models.TextField(blank=True, help_text="The provider's own closed dates, one per line.")
    removed_holidays = models.TextField(blank=True, help_text="Public holidays the provider works.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except Exception as exc:
            raise ValidationError({"time_zone": f"Unknown time zone {self.time_zone!r}."}) from exc
        if not self.always_open and not parse_hours(self.hours):
            raise ValidationError({"hours": "A calendar that is not 24x7 needs opening hours."})
        parse_dates(self.extra_holidays)
        parse_dates(self.removed_holidays)

    def to_rules(self) -> cal.BusinessCalendar:
        tz = ZoneInfo(self.time_zone)
        if self.always_open:
            return cal.BusinessCalendar(self.key, tz, always_open=True)
        holidays: frozenset[date] = frozenset(parse_dates(self.extra_holidays))
        if self.holiday_country:
            holidays = cal.public_holidays(
                self.holiday_country,
                subdiv=self.holiday_subdiv or None,
                extra=holidays,
                removed=parse_dates(self.removed_holidays),
            )
        return cal.BusinessCalendar(self.key, tz, spans=parse_hours(self.hours), holidays=holidays)


class Targets(models.Model):
    """A first-response and an update target, each as minutes plus business days on a calendar."""

    response_minutes = models.PositiveIntegerField(default=0)
    response_business_days = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    response_calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+")
    update_minutes = models.PositiveIntegerField(default=0)
    update_business_days = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    update_calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def to_rules(self) -> rules.Policy:
        return rules.Policy(
            rules.Target(
                self.response_calendar.key,
                timedelta(minutes=self.response_minutes),
                float(self.response_business_days),
            ),
            rules.Target(
                self.update_calendar.key,
                timedelta(minutes=self.update_minutes),
                float(self.update_business_days),
            ),
        )


PRIORITY_VALUES = [(p.value, p.value) for p in rules.Priority]


class Policy(Targets):
    """The targets of one priority, or of one priority while a given vendor works the case."""

    priority = models.CharField(max_length=3, choices=PRIORITY_VALUES)
    vendor = models.CharField(max_length=120, blank=True, help_text="Blank: the default for the priority.")

    class Meta:
        ordering = ["vendor", "priority"]
        verbose_name_plural = "policies"
        constraints = [models.UniqueConstraint(fields=["priority", "vendor"], name="policy_priority_vendor")]

    def __str__(self) -> str:
        return f"{self.priority}{' with ' + self.vendor if self.vendor else ''}"


class Agreement(Targets):
    """An alternative agreement an organisation asked for (plan §3: "unless an alternative
    agreement is requested by the customer"): its cases of this priority get these targets
    instead of the policy's; a vendor's targets still apply while a vendor works a case."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="sla_agreements"
    )
    priority = models.CharField(max_length=3, choices=PRIORITY_VALUES)
    reference = models.CharField(
        max_length=200, blank=True, help_text="The contract or letter the agreement is recorded in."
    )

    class Meta:
        ordering = ["organisation", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "priority"], name="agreement_organisation_priority"
            )
        ]

    def __str__(self) -> str:
        return f"{self.priority} for {self.organisation}"


class Breach(models.Model):
    """A deadline that passed before its clock was met, and how late it was."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="breaches")
    clock = models.CharField(
        max_length=20, choices=[(c.value, c.value.replace("_", " ")) for c in rules.Clock]
    )
    priority = models.CharField(max_length=3)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due = models.DateTimeField()
    until = models.DateTimeField()
    late = models.DurationField()
    ongoing = models.BooleanField()

    class Meta:
        ordering = ["due"]
        verbose_name_plural = "breaches"
        constraints = [models.UniqueConstraint(fields=["case", "clock", "due"], name="breach_once")]
        indexes = [models.Index(fields=["due"], name="breach_due")]

    def __str__(self) -> str:
        return f"{self.clock} of case {self.case_id} due {self.due:%Y-%m-%d %H:%M}"


class EscalationPath(models.Model):
    class Kind(models.TextChoices):
        SUPPORT = "support", "Support"
        BILLING = "billing", "Billing"
        IMPLEMENTATION = "implementation", "Implementation"
        CLIENT_SUCCESS = "client_success", "Client success"
        SALES = "sales", "Sales"

    kind = models.CharField(max_length=20, choices=Kind.choices, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class EscalationLevel(models.Model):
    """One step of a path; several contacts may share a level (the platform managers), and
    a case reaches those of them that are for it (`rules.escalation`)."""

    path = models.ForeignKey(EscalationPath, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=120)
    name = models.CharField(max_length=120)
    office_phone = models.CharField(max_length=40, blank=True)
    mobile_phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(
        blank=True,
        validators=[not_ours],
        help_text="Blank for the support desk itself: the case's assignee and team manager are told.",
    )
    platform = models.ForeignKey(
        "accounts.Platform",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For a platform's own manager: chosen when the case is on that platform.",
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For a platform team's manager: chosen when the case's platform is this team's.",
    )
    legacy_network_only = models.BooleanField(
        default=False,
        help_text="Only for organisations that are legacy network customers (network operations).",
    )
    on_call_calendar = models.ForeignKey(
        Calendar,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Reachable only during these hours (the on-call manager).",
    )
    partner = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalation_levels",
        limit_choices_to={"kind__in": [k.value for k in partners.Kind if k.manages]},
        help_text="For a partner's or rebiller's own contact: reached, in place of this level's "
        "other contacts, for the customers it manages, and never for anyone else's.",
    )

    class Meta:
        ordering = ["path", "level", "id"]

    def __str__(self) -> str:
        return f"{self.path} {self.level}: {self.role}"

    def clean(self) -> None:
        super().clean()
        partner = self.partner if self.partner_id is not None else None
        if partner is not None and not partners.Kind(partner.kind).manages:
            raise ValidationError({"partner": f"{partner.name} is neither a partner nor a rebiller."})
