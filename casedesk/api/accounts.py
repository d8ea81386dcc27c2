"""Organisations and contacts, for support staff."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model
from django.http import HttpRequest
from ninja import Query, Router

from casedesk.accounts import selectors as accounts
from casedesk.accounts.models import Organisation
from casedesk.api import lookups, render
from casedesk.api import schemas as s
from casedesk.api.auth import user_of
from casedesk.core.paging import page

router = Router(tags=["organisations"])

WHAT = "see organisations and contacts"
M = TypeVar("M", bound=Model)


@router.get("/organisations", response={200: s.OrganisationPage, **s.ERRORS}, summary="List organisations")
def list_organisations(request: HttpRequest, query: Query[s.PageQuery]) -> s.OrganisationPage:
    lookups.require_staff(user_of(request), WHAT)
    qs = accounts.organisations(query.q)
    rows, has_next = page(qs, query.page, query.page_size)
    return s.OrganisationPage(
        items=[render.organisation(org) for org in rows], page=query.page, has_next=has_next
    )


@router.get(
    "/organisations/{org_id}",
    response={200: s.OrganisationDetail, **s.ERRORS},
    summary="Show an organisation",
)
def get_organisation(request: HttpRequest, org_id: int) -> s.OrganisationDetail:
    """With its platforms, main points of contact and escalation list."""
    lookups.require_staff(user_of(request), WHAT)
    return render.organisation_detail(_organisation(org_id))


@router.get(
    "/organisations/{org_id}/contacts",
    response={200: s.ContactPage, **s.ERRORS},
    summary="List an organisation's contacts",
)
def list_contacts(request: HttpRequest, org_id: int, query: Query[s.PageQuery]) -> s.ContactPage:
    lookups.require_staff(user_of(request), WHAT)
    org = _organisation(org_id)
    qs = accounts.contacts_of(org, query.q)
    rows, has_next = page(qs, query.page, query.page_size)
    return s.ContactPage(items=[render.contact(c, org) for c in rows], page=query.page, has_next=has_next)


@router.get("/contacts/{contact_id}", response={200: s.ContactOut, **s.ERRORS}, summary="Show a contact")
def get_contact(request: HttpRequest, contact_id: int) -> s.ContactOut:
    user = user_of(request)
    lookups.require_staff(user, WHAT)
    return render.contact(lookups.contact(user, contact_id))


def _organisation(org_id: int) -> Organisation:
    return accounts.get_organisation(org_id)
