"""Case routes: parse, call a selector or an action, render."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from casedesk.accounts.permissions import customer_contact, is_staff
from casedesk.api import cpni, lookups, render
from casedesk.api import schemas as s
from casedesk.api.auth import user_of
from casedesk.cases import actions, finding, selectors
from casedesk.cases.models import Channel
from casedesk.core.errors import Forbidden
from casedesk.mail import routing
from casedesk.rules.permissions import Ability

router = Router(tags=["cases"])


@router.get("/cases", response={200: s.CasePage, **s.ERRORS}, summary="List cases")
def list_cases(request: HttpRequest, query: Query[s.CaseListQuery]) -> s.CasePage:
    """Newest first, or best match first with `q`. A customer sees their organisation's cases;
    staff see all."""
    user = user_of(request)
    staff = is_staff(user)
    if query.organisation is not None:
        lookups.require_staff(user, "filter cases by organisation")
    # Ignored for customers rather than refused: "unknown" for an address that is not an
    # active staff member's would tell staff addresses from others.
    assignee = lookups.staff_member(query.assignee) if staff else None
    team = lookups.team(query.team) if staff else None
    filters = selectors.CaseFilters(
        state=query.state,
        status=query.status.value if query.status else "",
        priority=query.priority.value if query.priority else "",
        platform=query.platform.strip(),
        q=query.q.strip(),
        organisation=query.organisation,
        assignee=assignee.pk if assignee else None,
        team=team.pk if team else None,
    )
    if filters.q:
        found = finding.search(user, filters.q, filters, page=query.page, size=query.page_size)
        rows, has_next = [hit.case for hit in found.hits], found.has_next
    else:
        rows, has_next = selectors.page(selectors.portal_cases(user, filters), query.page, query.page_size)
    return s.CasePage(
        items=[render.case_summary(case, staff) for case in rows], page=query.page, has_next=has_next
    )


@router.get("/cases/{number}", response={200: s.CaseDetail, **s.ERRORS}, summary="Show a case")
def get_case(request: HttpRequest, number: str) -> s.CaseDetail:
    """The case with its timeline: public entries only for customers, everything for staff
    (and the account's CPNI, logged, while their verification of the caller holds)."""
    user = user_of(request)
    case = selectors.get_case(user, number)
    return render.case_detail(case, user, cpni=cpni.panel(user, case.organisation, case=case))


@router.post("/cases", response={201: s.CaseDetail, **s.ERRORS}, summary="Open a case")
def create_case(request: HttpRequest, payload: s.CaseCreateIn) -> tuple[int, s.CaseDetail]:
    """Customers open cases for themselves (P4, awaiting triage) and must be a main point of
    contact; staff name the contact and may set priority, team and assignee at once."""
    user = user_of(request)
    lookups.require_customer_named(user, Ability.OPEN_CASE)
    contact = lookups.contact(user, payload.contact_id) if payload.contact_id is not None else None
    if not is_staff(user):
        if contact is not None and contact != customer_contact(user):
            raise Forbidden("Customers open cases for themselves; ask support to open one for a colleague.")
        staff_only = [f for f in ("priority", "team", "assignee") if getattr(payload, f) is not None]
        if staff_only:
            raise Forbidden(f"Only support staff may set {', '.join(staff_only)}; triage sets them.")
    opened = actions.open_one(
        actions.Opening(
            by=user,
            title=payload.title,
            description=payload.description,
            channel=Channel.API,
            contact=contact,
            platform=lookups.platform(payload.platform),
            priority=payload.priority.value if payload.priority else None,
            team=lookups.team(payload.team),
            assignee=lookups.staff_member(payload.assignee),
        )
    )
    return 201, render.opened_detail(opened, user)


@router.post("/cases/{number}/comments", response={201: s.EventOut, **s.ERRORS}, summary="Comment on a case")
def add_comment(request: HttpRequest, number: str, payload: s.CommentIn) -> tuple[int, s.EventOut]:
    """A public comment; staff may send `public: false` for an internal note."""
    user = user_of(request)
    case = selectors.get_case(user, number)
    event = actions.add_comment(case, by=user, body=payload.body, public=payload.public)
    return 201, render.event(event)


@router.post(
    "/cases/{number}/transition", response={200: s.CaseDetail, **s.ERRORS}, summary="Change the status"
)
def transition(request: HttpRequest, number: str, payload: s.TransitionIn) -> s.CaseDetail:
    """Move the case to another status, if the support plan allows it. On Hold needs
    `hold_until`, Shipping a `tracking_number`, Duplicate a `main_case`, Closed (staff) a
    `resolution`. The case's `allowed_transitions` lists the statuses you may choose."""
    user = user_of(request)
    case = selectors.get_case(user, number)
    actions.transition(
        case,
        to=payload.to.value,
        by=user,
        note=payload.note,
        hold_until=payload.hold_until,
        tracking_number=payload.tracking_number,
        shipping_carrier=payload.shipping_carrier,
        main_case=lookups.main_case(user, payload.main_case),
        resolution=payload.resolution,
    )
    return render.case_detail(selectors.get_case(user, number), user)


@router.post("/cases/{number}/reopen", response={200: s.ReopenOut, **s.ERRORS}, summary="Ask to reopen")
def reopen(request: HttpRequest, number: str, payload: s.ReopenIn) -> s.ReopenOut:
    """Recently closed cases reopen; older ones (or closed for no response, or duplicates)
    get a new follow-up case, which is returned. An open case takes the note as a comment."""
    user = user_of(request)
    case = selectors.get_case(user, number)
    outcome, result = actions.request_reopen(case, by=user, note=payload.note, channel=Channel.API)
    return s.ReopenOut(
        outcome=outcome, case=render.case_detail(selectors.get_case(user, result.number), user)
    )


@router.post(
    "/cases/{number}/disposition",
    response={200: s.CaseDetail, **s.ERRORS},
    summary="Set priority, team and assignee (staff)",
)
def disposition(request: HttpRequest, number: str, payload: s.DispositionIn) -> s.CaseDetail:
    """Staff review: the case leaves the triage queue. Fields left out keep their value."""
    user = user_of(request)
    case = selectors.get_case(user, number)
    lookups.require_staff(user, "set priority, team and assignee")
    sent = payload.model_fields_set
    actions.disposition(
        case,
        by=user,
        priority=payload.priority.value if payload.priority else case.priority,
        team=lookups.team(payload.team) if "team" in sent else case.team,
        assignee=lookups.staff_member(payload.assignee) if "assignee" in sent else case.assignee,
    )
    return render.case_detail(selectors.get_case(user, number), user)


@router.patch(
    "/cases/{number}", response={200: s.CaseDetail, **s.ERRORS}, summary="Correct title or platform (staff)"
)
def correct(request: HttpRequest, number: str, payload: s.CaseCorrectionIn) -> s.CaseDetail:
    """A case that gets its platform and has no team goes to the platform's team, and to a
    technician of it on shift, as a new case naming it would."""
    user = user_of(request)
    case = selectors.get_case(user, number)
    lookups.require_staff(user, "correct a case")
    sent = payload.model_fields_set
    values: dict[str, object] = {}
    if "title" in sent:
        values["title"] = payload.title or ""
    if "platform" in sent:
        values["platform"] = lookups.platform(payload.platform)
    corrected = actions.correct(case, by=user, **values)
    if corrected.team_id != case.team_id:
        routing.route_new_case(corrected)
    return render.case_detail(selectors.get_case(user, number), user)
