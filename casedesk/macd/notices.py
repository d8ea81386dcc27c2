"""What a MACD request sends besides its case's notices: each approver's request for
approval, with their own approve and decline links."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from casedesk.cases.models import Case
from casedesk.macd import changes, fees, links
from casedesk.macd.models import Approval, Request
from casedesk.outbox import delivery


def approval_requests(case: Case, request: Request, asked: Sequence[tuple[Approval, str]]) -> None:
    """One message per approver asked (in the caller's transaction)."""
    estimate = fees.estimate(request.estimated_minutes, request.speed)
    raised_by = case.contact
    for approval, token in asked:
        delivery.enqueue_template(
            kind="macd_approval",
            to=approval.contact.email,
            template="macd_approval_request",
            context={
                "case": case,
                "number": case.number,
                "request": request,
                "contact": approval.contact,
                "raised_by": raised_by,
                "changes": [
                    (changes.label(changes.type_key(c["kind"], c["op"])), c) for c in request.changes
                ],
                "estimate": estimate,
                "approve_url": links.url(token, "approve"),
                "decline_url": links.url(token, "decline"),
                "portal_url": f"{settings.CASEDESK_BASE_URL}/portal/cases/{case.number}/",
                "hours": settings.CASEDESK_MACD_APPROVAL_LINK_HOURS,
            },
            case=case,
            automatic=False,
            brand_of=case.organisation if Case.organisation.is_cached(case) else case.organisation_id,
            dedupe_key=f"macd-approval-{approval.pk or case.pk}-{approval.contact_id}",
        )
