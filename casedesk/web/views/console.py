"""Agent console: queues, the full case page with every staff action, cases for callers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casedesk.accounts import permissions
from casedesk.accounts import selectors as accounts
from casedesk.cases import actions, selectors
from casedesk.cases.models import Channel
from casedesk.core.errors import NotFound, Refused
from casedesk.escalation import selectors as escalation_selectors
from casedesk.mail import routing
from casedesk.outbox import suppression
from casedesk.rules.lifecycle import Actor, ReopenOutcome, allowed_targets
from casedesk.rules.permissions import Ability
from casedesk.web import case_page, history, sidebar_html, timeline_html
from casedesk.web.forms import (
    CommentForm,
    CorrectionForm,
    DetailsForm,
    DispositionForm,
    LinkForm,
    ReopenForm,
    StaffCaseForm,
    TransitionForm,
    UpdateIntervalForm,
    uploads_from,
)
from casedesk.web.views import cpni as cpni_panel
from casedesk.web.views import macd_panel
from casedesk.web.views.common import AuthedRequest, form_errors, staff_can, staff_required
from casedesk.workbench import replies


def _may(user: Any, case: Any) -> dict[str, bool]:
    """What the case page offers: only the forms the user's role lets them use on it."""

    def reaches(ability: Ability) -> bool:
        return permissions.reaches(user, ability, case)

    return {
        "comment": permissions.can(user, Ability.COMMENT),
        "note": permissions.can(user, Ability.INTERNAL_NOTE),
        "work": reaches(Ability.WORK_CASE),
        "dispose": reaches(Ability.DISPOSE),
        "route": permissions.can(user, Ability.ROUTE),
        "escalate": permissions.can(user, Ability.ESCALATE),
        "reopen": permissions.can(user, Ability.OPEN_FOR_CALLER),
        "master": permissions.can(user, Ability.MASTER_CASES),
    }


def _case_page(request: AuthedRequest, number: str, *, status: int = 200, **extra: Any) -> HttpResponse:
    case = selectors.get_case(
        request.user, number, with_related=case_page.WITH_CASE, annotate=case_page.console_marks
    )
    may = _may(request.user, case)
    sections = {"link", "part", "file", "esc"}
    if may["work"]:
        sections.add("platform")
    if may["comment"]:
        sections.add("reply")
    if may["dispose"] or may["route"]:
        sections |= {"team", "staff"}
    if case.is_open and may["escalate"]:
        sections.add("escalation")
    lists = case_page.lists(case, request.user, sections)
    contacts = case_page.contacts(case)
    events = history.labelled(
        case_page.timeline(case, request.user, lists.files_by_event()),
        case_page.known_labels(lists, case, contacts),
    )
    # After a refusal the form that was sent shows what the agent chose and typed.
    match = request.resolver_match
    posted_form = (match.url_name or "") if request.method == "POST" and match else ""
    sidebar = sidebar_html.Sidebar(
        case=case,
        may=may,
        csrf_token=get_token(request),
        held=permissions.abilities_of(request.user) if may["dispose"] else frozenset(),
        teams=lists.teams,
        staff=lists.staff,
        targets=allowed_targets(case.status_enum, Actor.STAFF) if may["work"] else [],
        platforms=lists.platforms,
        related=lists.links("related"),
        follow_ups=lists.links("follow_up"),
        duplicates=lists.links("duplicate"),
        escalation=escalation_selectors.paths_from(case, lists.levels, lists.path_kinds),
        escalation_contacts=lists.escalation_contacts,
        posted_form=posted_form,
        posted=request.POST,
    )
    context = {
        "case": case,
        "may": may,
        "timeline_html": timeline_html.render(events, sender_checks=True),
        "sidebar_html": sidebar_html.render(sidebar),
        "saved_replies": replies.filled(lists.saved_replies, request.user, case),
        "reply_draft": _draft(request, case),
        "posted_form": posted_form,
        "posted": request.POST,
        "held_notices": suppression.held_for_case(case) if case.has_held else [],  # type: ignore[attr-defined]
        "participants": lists.participants,
        "contacts": contacts,
        **macd_panel.context(case, request.user),
        **cpni_panel.context(case, request.user, contacts=contacts),
        **extra,
    }
    return render(request, "console/case_detail.html", context, status=status)


def _draft(request: AuthedRequest, case: Any) -> str:
    """The reply box's text when a saved reply was inserted without scripts: what was typed
    (sent along) and the saved reply, filled in for the case."""
    chosen = request.GET.get("saved_reply", "")
    if not chosen.isdigit():
        return ""
    typed = request.GET.get("body", "")[:20_000]
    found = next((r for r in replies.filled_for(request.user, case) if r["id"] == int(chosen)), None)
    if found is None:
        return typed
    return f"{typed.rstrip()}\n\n{found['text']}" if typed.strip() else found["text"]


@staff_required
def case_detail(request: AuthedRequest, number: str) -> HttpResponse:
    return _case_page(request, number)


def _done(request: AuthedRequest, number: str, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(reverse("console:case", kwargs={"number": number}))


def _staff_post(request: AuthedRequest, number: str, form_class: Any, act: Any, text: str) -> HttpResponse:
    """Parse the form, call the action; on refusal show the case page again with why.

    `act` returns the case to show next, or (case, message) when the message depends on
    what the action did.
    """
    case = selectors.get_case(request.user, number)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        return _case_page(request, number, status=400, error=form_errors(form))
    try:
        result = act(case, form.cleaned_data)
    except Refused as exc:
        return _case_page(request, number, status=exc.status_code, error=str(exc))
    if isinstance(result, tuple):
        result, text = result
    target = getattr(result, "number", "") or case.number
    return _done(request, target, text)


@staff_required
@require_POST
def case_comment(request: AuthedRequest, number: str) -> HttpResponse:
    def act(case: Any, data: dict[str, Any]) -> Any:
        return actions.add_comment(
            case,
            by=request.user,
            body=data["body"],
            public=not data["internal"],
            uploads=uploads_from(data["attachments"]),
            asks_customer=data["asks_customer"],
        )

    return _staff_post(request, number, CommentForm, act, "Added to the timeline.")


@staff_required
@require_POST
def case_transition(request: AuthedRequest, number: str) -> HttpResponse:
    def act(case: Any, data: dict[str, Any]) -> Any:
        main = None
        if data["main_case"]:
            try:
                main = selectors.get_case(request.user, data["main_case"])
            except NotFound:
                raise Refused(f"There is no case {data['main_case']}.") from None
        return actions.transition(
            case,
            to=data["to"],
            by=request.user,
            note=data["note"],
            hold_until=data["hold_until"],
            tracking_number=data["tracking_number"],
            shipping_carrier=data["shipping_carrier"],
            main_case=main,
            resolution=data["resolution"],
        )

    return _staff_post(request, number, TransitionForm, act, "Status changed.")


@staff_required
@require_POST
def case_disposition(request: AuthedRequest, number: str) -> HttpResponse:
    def act(case: Any, data: dict[str, Any]) -> Any:
        return actions.disposition(
            case,
            by=request.user,
            priority=data["priority"] or case.priority,
            team=data["team"],
            assignee=data["assignee"],
        )

    return _staff_post(request, number, DispositionForm, act, "Disposition saved.")


@staff_required
@require_POST
def case_details(request: AuthedRequest, number: str) -> HttpResponse:
    def act(case: Any, data: dict[str, Any]) -> Any:
        return actions.update_details(case, by=request.user, **data)

    return _staff_post(request, number, DetailsForm, act, "Details saved.")


@staff_required
@require_POST
def case_correct(request: AuthedRequest, number: str) -> HttpResponse:
    """Title and platform; a case that gets its platform reaches that platform's team and,
    with no one on it yet, a technician of the team on shift (as intake would route it)."""
    case = selectors.get_case(request.user, number)

    def act(case: Any, data: dict[str, Any]) -> Any:
        corrected = actions.correct(case, by=request.user, title=data["title"], platform=data["platform"])
        if corrected.team_id != case.team_id:
            routing.route_new_case(corrected)
        return corrected

    return _staff_post(
        request,
        number,
        lambda *a: CorrectionForm(*a, organisation=case.organisation),
        act,
        "Title and platform saved.",
    )


@staff_required
@require_POST
def case_update_interval(request: AuthedRequest, number: str) -> HttpResponse:
    def act(case: Any, data: dict[str, Any]) -> Any:
        return actions.set_update_interval(case, by=request.user, minutes=data["minutes"])

    return _staff_post(request, number, UpdateIntervalForm, act, "Update interval saved.")


@staff_required
@require_POST
def case_link(request: AuthedRequest, number: str) -> HttpResponse:
    def act(case: Any, data: dict[str, Any]) -> Any:
        try:
            other = selectors.get_case(request.user, data["other"])
        except NotFound:
            raise Refused(f"There is no case {data['other']}.") from None
        return actions.link_related(case, other, by=request.user, unlink=data["unlink"])

    return _staff_post(request, number, LinkForm, act, "Links saved.")


@staff_required
@require_POST
def case_reopen(request: AuthedRequest, number: str) -> HttpResponse:
    """A representative records a caller's request to reopen."""
    outcomes = {
        ReopenOutcome.REOPEN: "Reopened for the customer.",
        ReopenOutcome.RESUME: "Back in progress.",
        ReopenOutcome.FOLLOW_UP: "Past the reopen window: a follow-up case was opened.",
        ReopenOutcome.ALREADY_OPEN: "The case is open; the note was added.",
    }

    def act(case: Any, data: dict[str, Any]) -> Any:
        if not data["note"].strip():
            raise Refused("Write what the caller asks and why: the note is required.")
        outcome, result = actions.request_reopen(case, by=request.user, note=data["note"])
        return result, outcomes[outcome]

    return _staff_post(request, number, ReopenForm, act, "")


@staff_can(Ability.OPEN_FOR_CALLER)
def contact_search(request: AuthedRequest) -> HttpResponse:
    term = request.GET.get("q", "")[:100]
    return render(
        request,
        "console/contact_search.html",
        {"term": term, "contacts": accounts.find_contacts(term) if term else []},
    )


@staff_can(Ability.OPEN_FOR_CALLER)
def case_new(request: AuthedRequest) -> HttpResponse:
    """Open a case for a caller: found by name, email or phone, then the case form."""
    contact_id = request.POST.get("contact") or request.GET.get("contact")
    contact = accounts.contact_for(request.user, contact_id, active_only=True)
    if contact is None:
        return redirect(reverse("console:contacts"))
    form = StaffCaseForm(
        request.POST or None,
        request.FILES or None,
        initial={"contact": contact.pk},
        held=permissions.abilities_of(request.user),
    )
    form.fields["platform"].queryset = contact.organisation.platforms.filter(active=True)  # type: ignore[attr-defined]
    error = None if permissions.can(contact, Ability.OPEN_CASE) else actions.mpoc_refusal(contact)
    if request.method == "POST" and error is None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = actions.open_case(
                    by=request.user,
                    contact=contact,
                    platform=data["platform"],
                    title=data["title"],
                    description=data["description"],
                    channel=Channel.PHONE,
                    priority=data["priority"] or None,
                    team=data["team"],
                    assignee=data["assignee"],
                    uploads=uploads_from(data["attachments"]),
                )
            except Refused as exc:
                error = str(exc)
            else:
                return _done(request, case.number, f"Case {case.number} opened for {contact.name}.")
        else:
            error = form_errors(form)
    return render(
        request,
        "console/case_new.html",
        {"form": form, "contact": contact, "error": error},
        status=400 if error and request.method == "POST" else 200,
    )
