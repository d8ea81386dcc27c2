"""Customer portal: the organisation's cases, a case's public timeline, opening cases."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from casedesk.accounts import permissions
from casedesk.accounts.models import Organisation
from casedesk.accounts.permissions import customer_contact
from casedesk.cases import actions, selectors
from casedesk.cases.models import PRIORITY_CHOICES, STATUS_CHOICES, Channel
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.escalation import selectors as escalation_selectors
from casedesk.rules import lifecycle
from casedesk.rules.lifecycle import ReopenOutcome, Status
from casedesk.rules.permissions import Ability
from casedesk.solutions import actions as kb_actions
from casedesk.solutions import finding as kb_finding
from casedesk.status.models import Subscription
from casedesk.web import case_page, history, timeline_html
from casedesk.web.forms import CommentForm, CustomerCaseForm, ReopenForm, uploads_from
from casedesk.web.views import macd_panel
from casedesk.web.views.common import AuthedRequest, customer_required, form_errors
from casedesk.web.views.listing import LIST_COLUMNS, case_url_prefix, filters_from, page_number


@customer_required
def case_list(request: AuthedRequest) -> HttpResponse:
    contact = customer_contact(request.user)
    filters = filters_from(request, default_state="all")
    if filters.q:  # the list's search box is the search page's
        return redirect(f"{reverse('portal:search')}?{urlencode({'q': filters.q, 'state': filters.state})}")
    # A partner's user, as all their customers, sees one queue of every customer whose
    # cases they may see (and their own organisation's as their own contact allows).
    customers = [] if permissions.acting_for(request.user) is not None else _queue_customers(request)
    qs = (
        selectors.portal_cases(request.user, filters)
        .select_related(None)
        .select_related("platform", "contact", "organisation")
        .only(*LIST_COLUMNS, "platform__name", "contact__name", "organisation__name")
    )
    rows, has_next = selectors.page(qs, page_number(request), settings.CASEDESK_PAGE_SIZE)
    return render(
        request,
        "portal/case_list.html",
        {
            "contact": contact,
            "cases": rows,
            "has_next": has_next,
            "page": page_number(request),
            "filters": filters,
            "statuses": STATUS_CHOICES,
            "priorities": PRIORITY_CHOICES,
            "platforms": contact.organisation.platforms.all(),
            "mpocs": contact.organisation.mpocs(),  # read only for those told to ask them
            "case_url": case_url_prefix("portal"),
            "queue_customers": customers,
        },
    )


def _queue_customers(request: AuthedRequest) -> list[Organisation]:
    """The organisations a partner's one queue holds (their own first), for its filter."""
    granted = permissions.granted_customers(request.user)
    if not granted:
        return []
    sees = set(permissions.reachable_organisations(request.user, Ability.VIEW_ORGANISATION_CASES))
    own = customer_contact(request.user).organisation
    return [own, *(org for org, _ in granted if org.pk in sees)]


def _case_page(request: AuthedRequest, number: str, *, status: int = 200, **extra: object) -> HttpResponse:
    case = selectors.get_case(request.user, number, annotate=case_page.portal_marks)
    sections = {"part", "file"}
    if case.is_open and permissions.can(request.user, Ability.ESCALATE):
        sections.add("escalation")
    lists = case_page.lists(case, request.user, sections)
    copies = permissions.can(request.user, Ability.MANAGE_PARTICIPANTS)
    contacts = case_page.contacts(case) if copies else None
    reopen = None
    if not case.is_open or case.status == Status.RESOLVED.value:
        reopen = lifecycle.reopen_outcome(
            case.status_enum, case.closed_at, clock.now(), settings.CASEDESK_REOPEN_DAYS
        )
    context = {
        "case": case,
        "timeline_html": timeline_html.render(
            history.labelled(
                case_page.timeline(case, request.user, lists.files_by_event()),
                case_page.known_labels(lists, case, contacts),
            )
        ),
        "participants": lists.participants,
        "contacts": contacts,
        "escalation": escalation_selectors.paths_from(case, lists.levels, lists.path_kinds),
        "comment_form": CommentForm(),
        "reopen_form": ReopenForm(),
        "reopen": reopen,
        "reopen_days": settings.CASEDESK_REOPEN_DAYS,
        "mpocs": customer_contact(request.user).organisation.mpocs(),
        **macd_panel.context(case, request.user),
        **extra,
    }
    return render(request, "portal/case_detail.html", context, status=status)


@customer_required
def case_detail(request: AuthedRequest, number: str) -> HttpResponse:
    return _case_page(request, number)


def choose_customer(request: AuthedRequest, ability: Ability, then: str) -> HttpResponse | None:
    """For a partner's user acting for no one customer and unable to do this for their own
    organisation: the page asking which customer it is for (None when none need asking)."""
    if permissions.acting_for(request.user) is not None or permissions.can(request.user, ability):
        return None
    reachable = set(permissions.reachable_organisations(request.user, ability))
    if not reachable:
        return None
    customers = [org for org, _ in permissions.granted_customers(request.user) if org.pk in reachable]
    return render(
        request,
        "portal/choose_customer.html",
        {"customers": customers, "then": then, "doing": ability.label},
    )


@customer_required
def case_new(request: AuthedRequest) -> HttpResponse:
    asked = choose_customer(request, Ability.OPEN_CASE, "new")
    if asked is not None:
        return asked
    contact = customer_contact(request.user)
    form = CustomerCaseForm(request.POST or None, request.FILES or None, organisation=contact.organisation)
    error = None
    may_open = permissions.can(request.user, Ability.OPEN_CASE)
    # The form's own token ties the articles suggested while it is written to the case it
    # opens, or to none (a deflection, `solutions.actions.decide_deflections`).
    token = request.POST.get("token", "") or kb_actions.new_form_token()
    suggested = None
    if not may_open:
        error = actions.mpoc_refusal(contact)
    elif request.method == "POST" and "preview" in request.POST:
        # Without scripts: "Check the Solutions Center first" lists the articles for the text.
        typed = f"{request.POST.get('title', '')} {request.POST.get('description', '')}"
        suggested = kb_finding.suggest(request.user, typed)
        if suggested.hits:
            kb_actions.suggestions_shown(token, user=request.user)
        form = CustomerCaseForm(request.POST, organisation=contact.organisation)
        form.errors.clear()
    elif request.method == "POST":
        if form.is_valid():
            try:
                case = actions.open_case(
                    by=request.user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    platform=form.cleaned_data["platform"],
                    channel=Channel.PORTAL,
                    uploads=uploads_from(form.cleaned_data["attachments"]),
                )
            except Refused as exc:
                error = str(exc)
            else:
                kb_actions.case_submitted(token, case.number, user=request.user)
                messages.success(
                    request,
                    f"New Case {case.number} is open as {case.get_priority_display()} until support "
                    "reviews it. We will be in touch.",
                )
                return redirect(reverse("portal:case", kwargs={"number": case.number}))
        else:
            error = form_errors(form)
    status = 403 if not may_open else (400 if error else 200)
    return render(
        request,
        "portal/case_new.html",
        {"form": form, "error": error, "contact": contact, "token": token, "suggested": suggested},
        status=status,
    )


@customer_required
@require_POST
def case_comment(request: AuthedRequest, number: str) -> HttpResponse:
    case = selectors.get_case(request.user, number)
    form = CommentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _case_page(request, number, status=400, error=form_errors(form))
    try:
        actions.add_comment(
            case,
            by=request.user,
            body=form.cleaned_data["body"],
            uploads=uploads_from(form.cleaned_data["attachments"]),
        )
    except Refused as exc:
        return _case_page(request, number, status=exc.status_code, error=str(exc))
    messages.success(request, "Your comment was added.")
    return redirect(reverse("portal:case", kwargs={"number": case.number}))


@customer_required
@require_POST
def case_reopen(request: AuthedRequest, number: str) -> HttpResponse:
    case = selectors.get_case(request.user, number)
    form = ReopenForm(request.POST)
    form.is_valid()
    try:
        outcome, result = actions.request_reopen(
            case, by=request.user, note=form.cleaned_data.get("note", "")
        )
    except Refused as exc:
        return _case_page(request, number, status=exc.status_code, error=str(exc))
    text = {
        ReopenOutcome.REOPEN: f"{case.number} is reopened.",
        ReopenOutcome.RESUME: f"{case.number} is back in progress.",
        ReopenOutcome.FOLLOW_UP: f"{case.number} can no longer be reopened, so follow-up case "
        f"{result.number} was opened and related to it.",
        ReopenOutcome.ALREADY_OPEN: f"{case.number} is still open; your note was added.",
    }[outcome]
    messages.success(request, text)
    return redirect(reverse("portal:case", kwargs={"number": result.number}))


@customer_required
@require_POST
def case_confirm(request: AuthedRequest, number: str) -> HttpResponse:
    """The customer confirms a resolution: the case closes."""
    case = selectors.get_case(request.user, number)
    try:
        actions.confirm_resolution(case, by=request.user)
    except Refused as exc:
        return _case_page(request, number, status=exc.status_code, error=str(exc))
    messages.success(request, f"Thank you: {case.number} is closed.")
    return redirect(reverse("portal:case", kwargs={"number": case.number}))


@customer_required
def profile(request: AuthedRequest) -> HttpResponse:
    contact = customer_contact(request.user)
    return render(
        request,
        "portal/profile.html",
        {
            "contact": contact,
            "mpocs": contact.organisation.mpocs(),
            "escalation": contact.organisation.escalation_contacts.all(),
            "platforms": contact.organisation.platforms.filter(active=True),
            "subscribed": set(
                Subscription.objects.filter(
                    email__iexact=request.user.email, confirmed_at__isnull=False, platform__isnull=False
                ).values_list("platform__code", flat=True)
            ),
        },
    )
