"""Where browsers report what the Content-Security-Policy blocked: logged as warnings, so a
page that breaks the policy shows up in the logs (and fails the browser tests)."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

log = logging.getLogger("casedesk.csp")
MAX_REPORT_BYTES = 16 * 1024


@csrf_exempt  # browsers send reports without cookies or tokens
@require_POST
def report(request: HttpRequest) -> HttpResponse:
    body = request.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        data = json.loads(body or b"{}")
    except ValueError:  # logged as it came: nobody reads the answer, the log is what counts
        log.warning("CSP violation (unreadable report): %r", body[:500])
        return HttpResponse(status=204)
    found = data.get("csp-report", data) if isinstance(data, dict) else data
    log.warning("CSP violation: %s", json.dumps(found, sort_keys=True)[:2000])
    return HttpResponse(status=204)
