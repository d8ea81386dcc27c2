from datetime import datetime

from casedesk.accounts import actions
from casedesk.core.sweeps import sweep
from casedesk.web.views.auth import send_reset


@sweep("password_resets")
def password_resets(now: datetime) -> int:
    # Off the request path: asking for a reset only records the request (see accounts.actions).
    links = actions.take_reset_links()
    for link in links:
        send_reset(link)
    return len(links)
