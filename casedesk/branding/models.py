"""A rebiller's brand (Client Support Plan §1): data, edited in the admin. The customers a
rebiller manages, and its people acting for them, see its name, logo and colours in the
portal and in what the desk e-mails them; the provider's own customers never do."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models

from casedesk.core.mailboxes import not_ours
from casedesk.rules import branding as rules
from casedesk.rules import partners


def _check(check: Callable[[str], str], value: str) -> None:
    try:
        check(value)
    except rules.BadBrand as exc:
        raise ValidationError(str(exc)) from None


def valid_colour(value: str) -> None:
    _check(rules.colour, value)


def valid_name(value: str) -> None:
    _check(rules.name, value)


def valid_phone(value: str) -> None:
    _check(rules.phone, value)


def valid_web_address(value: str) -> None:
    _check(rules.web_address, value)


class Brand(models.Model):
    organisation = models.OneToOneField(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="brand",
        limit_choices_to={"kind": partners.Kind.REBILLER.value},
        help_text="The rebiller whose customers see this brand.",
    )
    name = models.CharField(
        max_length=rules.NAME_MAX,
        validators=[valid_name],
        help_text="Shown in the portal's header and title, and as the sender and sign-off of e-mails.",
    )
    logo = models.FileField(upload_to="brands/", blank=True, editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    primary_colour = models.CharField(
        max_length=7,
        default=rules.DEFAULT_PRIMARY,
        validators=[valid_colour],
        help_text="#rrggbb: the portal's header.",
    )
    accent_colour = models.CharField(
        max_length=7,
        default=rules.DEFAULT_ACCENT,
        validators=[valid_colour],
        help_text="#rrggbb: links and buttons.",
    )
    support_email = models.EmailField(
        blank=True, validators=[not_ours], help_text="The rebiller's own support address, in e-mail footers."
    )
    support_phone = models.CharField(max_length=40, blank=True, validators=[valid_phone])
    support_url = models.URLField(
        "support web address", blank=True, validators=[valid_web_address], help_text="https://…"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        org = self.organisation if self.organisation_id is not None else None
        if org is not None and org.kind != partners.Kind.REBILLER:
            raise ValidationError(
                {"organisation": f"{org.name} is not a rebiller; only rebillers have a brand."}
            )
        for field in ("primary_colour", "accent_colour"):
            value = getattr(self, field)
            if value and rules.HEX.fullmatch(value.strip().lower()):
                setattr(self, field, value.strip().lower())

    @property
    def version(self) -> str:
        """Changes with every edit: the stylesheet's and logo's addresses carry it."""
        return str(int(self.updated_at.timestamp())) if self.updated_at else "0"
