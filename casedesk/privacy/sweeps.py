"""Retention: closed cases' material purged once its rule's time after closure has passed
(rules as data, `RetentionRule`; the plan's defaults where none is stored)."""

from __future__ import annotations

from datetime import datetime, timedelta

from casedesk.cases import actions as case_actions
from casedesk.core.sweeps import sweep
from casedesk.privacy.models import RetentionRule
from casedesk.rules.privacy import DEFAULT_RETENTION


def retention_days(kind: str) -> int | None:
    """The days a kind of material is kept after closure; None when its rule is switched off."""
    rule = RetentionRule.objects.filter(kind=kind).first()
    if rule is None:
        return DEFAULT_RETENTION.get(kind)
    return rule.days if rule.active else None


@sweep("privacy_retention")
def purge_due(now: datetime) -> dict[str, int]:
    done: dict[str, int] = {}
    days = retention_days("attachment")
    if days is not None:
        done["attachment"] = case_actions.purge_attachments(
            now, closed_before=now - timedelta(days=days), days=days
        )
    # Chat transcripts follow the same rule once the chat keeps them.
    return done
