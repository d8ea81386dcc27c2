"""Retention of chat transcripts: an ended chat's messages and files are purged once the
rule for "chat_transcript" (`privacy.RetentionRule`, a year by default) has passed since it
ended. The chat's row stays as the record; a transcript copied onto a case when the chat
became one is the case's, under the case's own rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from casedesk.chat import actions
from casedesk.core.sweeps import sweep
from casedesk.privacy.sweeps import retention_days

BATCH = 200


@sweep("chat_retention")
def purge_transcripts(now: datetime) -> int:
    days = retention_days("chat_transcript")
    if days is None:
        return 0
    return actions.purge_transcripts(ended_before=now - timedelta(days=days), now=now, batch=BATCH)
