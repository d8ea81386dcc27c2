"""The portal of a partner's people: choosing the customer they act for, and the page where
the partner's primary MPOC gives its people access to its customers."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from casedesk.accounts import partners, permissions
from casedesk.accounts import selectors as accounts
from casedesk.accounts.models import Organisation
from casedesk.core.errors import Forbidden, NotFound, Refused
from casedesk.rules import partners as rules
from casedesk.web import acting
from casedesk.web.views.common import AuthedRequest, customer_required, error_page

# Where the switcher may send the user back to: pages that belong to no one customer.
RETURN_TO = {"cases", "new", "macd_new", "inventory", "billing", "profile", "reports"}


@customer_required
@require_POST
def switch(request: AuthedRequest) -> HttpResponse:
    """Act for one customer (its account number) or, with none, for all of them."""
    number = request.POST.get("customer", "").strip()[:40]
    user = request.user
    if not number:
        permissions.act_for(user, None)
        acting.remember(request, None)
        messages.success(request, "You now see all your customers.")
    elif permissions.act_for_account(user, number):
        chosen = permissions.acting_for(user)
        acting.remember(request, chosen)
        contact = permissions.customer_contact(user)
        name = contact.organisation.name if chosen is not None else "yourselves"
        messages.success(request, f"You now act for {name}.")
    else:
        return error_page(
            request,
            NotFound(
                f"You do not act for a customer with account number {number}; "
                "choose one of the customers listed."
            ),
        )
    wanted = request.POST.get("next", "cases")
    try:
        return redirect(reverse(f"portal:{wanted if wanted in RETURN_TO else 'cases'}"))
    except NoReverseMatch:
        return redirect(reverse("portal:cases"))


def _partner_of(request: AuthedRequest) -> Organisation:
    """The partner whose people the user administers: its primary MPOC only."""
    own = permissions.own_contact(request.user)
    if own is None or own.organisation.kind == rules.Kind.CUSTOMER.value:
        raise Forbidden("This page is for the primary MPOC of a partner or rebiller.")
    if not own.is_primary_mpoc:
        raise Forbidden(
            f"Only the primary MPOC of {own.organisation.name} may give its people access to its "
            "customers; please ask them."
        )
    return own.organisation


@customer_required
def people(request: AuthedRequest, *, status: int = 200, error: str | None = None) -> HttpResponse:
    partner = _partner_of(request)
    return render(
        request,
        "portal/partner_people.html",
        {
            "partner": partner,
            "people": accounts.partner_people(partner),
            "customers": accounts.managed_customers(partner),
            "delegations": accounts.partner_delegations(partner),
            "scopes": [(s.value, s.label) for s in rules.Scope],
            "error": error,
        },
        status=status,
    )


@customer_required
@require_POST
def grant(request: AuthedRequest) -> HttpResponse:
    partner = _partner_of(request)
    person = accounts.partner_people(partner).filter(pk=_int(request.POST.get("person"))).first()
    customer = accounts.managed_customers(partner).filter(pk=_int(request.POST.get("customer"))).first()
    if person is None or customer is None:
        return people(request, status=404, error="Choose one of your people and one of your customers.")
    scope = request.POST.get("scope", "")
    try:
        partners.grant(request.user, person, customer, scope)
    except Refused as exc:
        return people(request, status=exc.status_code, error=str(exc))
    messages.success(
        request, f"{person.name} now acts for {customer.name}: {rules.Scope(scope).label.lower()}."
    )
    return redirect(reverse("portal:partner_people"))


@customer_required
@require_POST
def revoke(request: AuthedRequest, delegate_id: int) -> HttpResponse:
    partner = _partner_of(request)
    delegate = accounts.partner_delegations(partner).filter(pk=delegate_id).first()
    if delegate is None:
        raise NotFound("No such access.")
    try:
        partners.revoke(request.user, delegate)
    except Refused as exc:
        return people(request, status=exc.status_code, error=str(exc))
    messages.success(request, f"{delegate.name} no longer acts for {delegate.organisation.name}.")
    return redirect(reverse("portal:partner_people"))


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 12 else 0
