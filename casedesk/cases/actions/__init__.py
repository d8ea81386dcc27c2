"""Every write to a case. Views, API, e-mail, chat, master cases, escalation and sweeps
all call these; no other module writes a `Case` row (a test keeps it so).

Each action runs in one transaction, locks the case row, asks the rules, writes, and
appends to the timeline, so a rule holds whichever channel asked. By subject:
`opening`, `comments`, `transitions`, `staff` (disposition, details, links, routing,
escalation level, master designation), `participants` (who is copied besides the
contact), `system` (what sweeps need); `base` holds what they share (lock, record, the
text and staff checks).
"""

from casedesk.cases.actions.base import (
    BODY_MAX,
    TITLE_MAX,
    Batch,
    Who,
    batch,
    check_assignee,
    clean_text,
    lock,
    lock_many,
    mpoc_refusal,
    record,
    require_own,
    require_staff,
    require_workable,
)
from casedesk.cases.actions.comments import Comment, add_comment, add_comments
from casedesk.cases.actions.opening import Opened, Opening, open_case, open_cases, open_master, open_one
from casedesk.cases.actions.participants import add_copied, add_participants, remove_participant
from casedesk.cases.actions.requests import extend_completion, set_approval
from casedesk.cases.actions.staff import (
    correct,
    designate_master,
    disposition,
    link_related,
    raise_escalation,
    route,
    set_update_interval,
    update_details,
)
from casedesk.cases.actions.system import (
    forget_acting_users,
    lock_due,
    purge_attachments,
    refresh_clocks,
    stop_auto_close,
    warn_no_response,
)
from casedesk.cases.actions.transitions import (
    confirm_resolution,
    request_reopen,
    system_transitions,
    transition,
)

__all__ = [
    "BODY_MAX",
    "TITLE_MAX",
    "Batch",
    "Comment",
    "Opened",
    "Opening",
    "Who",
    "add_comment",
    "add_comments",
    "add_copied",
    "add_participants",
    "batch",
    "check_assignee",
    "clean_text",
    "confirm_resolution",
    "correct",
    "designate_master",
    "disposition",
    "extend_completion",
    "forget_acting_users",
    "link_related",
    "lock",
    "lock_due",
    "lock_many",
    "mpoc_refusal",
    "open_case",
    "open_cases",
    "open_master",
    "open_one",
    "purge_attachments",
    "raise_escalation",
    "record",
    "refresh_clocks",
    "remove_participant",
    "request_reopen",
    "require_own",
    "require_staff",
    "require_workable",
    "route",
    "set_approval",
    "set_update_interval",
    "stop_auto_close",
    "system_transitions",
    "transition",
    "update_details",
    "warn_no_response",
]
