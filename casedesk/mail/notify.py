"""Who hears about a case event, and what they are sent.

`cases.actions` calls `case_event` for every timeline event, inside the transaction that
wrote it, so a notification exists exactly when its cause was committed.
"""

from __future__ import annotations

from typing import Any


def case_event(event: Any) -> None:
    """Queue the notifications `event` calls for (in the caller's transaction)."""
