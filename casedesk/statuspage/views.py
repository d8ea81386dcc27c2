"""Public status pages and subscription pages. The pages and feeds are served from the
stored rendering (see `pages`), with ETag, 304 answers and public caching, and set no
cookies."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, QueryDict
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casedesk.accounts import selectors as accounts
from casedesk.core import throttle
from casedesk.core.errors import Refused
from casedesk.status import subscriptions
from casedesk.status.models import Incident, IncidentState
from casedesk.statuspage import pages


def _cache_control() -> str:
    return (
        f"public, max-age={settings.CASEDESK_STATUS_MAX_AGE}, "
        f"stale-while-revalidate={settings.CASEDESK_STATUS_STALE_WHILE_REVALIDATE}"
    )


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def serve(path: str):
    @require_GET
    def view(request: HttpRequest, **kwargs: object) -> HttpResponse:
        page = pages.get(path.format(**kwargs))
        if _etag_matches(request.META.get("HTTP_IF_NONE_MATCH", ""), page.etag):
            response: HttpResponse = HttpResponseNotModified()
        else:
            response = HttpResponse(page.body, content_type=page.content_type)
        response["ETag"] = page.etag
        response["Cache-Control"] = _cache_control()
        return response

    return view


index = serve("index.html")
history = serve("history.html")
history_year = serve("history/{year}/index.html")
summary = serve("summary.json")
feed = serve("feed.atom")
calendar = serve("maintenance.ics")
platform_feed = serve("platforms/{code}/feed.atom")
platform_calendar = serve("platforms/{code}/maintenance.ics")
incident = serve("incidents/{incident_id}/index.html")
incident_feed = serve("incidents/{incident_id}/feed.atom")


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


SUBSCRIBES_PER_PAIR = 3  # an hour, from one client for one typed address


def _rate_limited(request: HttpRequest) -> bool:
    # Counted per client and per (client, address) in the shared cache: a flood from one
    # place stops there and never keeps anyone else from subscribing.
    client, address = client_ip(request), request.POST.get("email", "").strip().lower()[:254]
    over = throttle.hit(throttle.key("subscribe-client", client), 3600) > settings.CASEDESK_SUBSCRIBE_PER_HOUR
    return throttle.hit(throttle.key("subscribe-pair", client, address), 3600) > SUBSCRIBES_PER_PAIR or over


def _topic(data: QueryDict) -> dict:
    code = data.get("platform", "").strip()
    incident_id = data.get("incident", "").strip()
    if code and not incident_id:
        platform = accounts.platform_by_code(code, active_only=True)
        if platform is not None:
            return {"platform": platform}
    if incident_id.isdigit() and not code:
        found = Incident.objects.filter(pk=int(incident_id)).exclude(state=IncidentState.RESOLVED).first()
        if found is not None:
            return {"incident": found}
    raise Refused("Choose a platform or an active incident to subscribe to.")


def _message(request: HttpRequest, title: str, message: str, status: int = 200) -> HttpResponse:
    return render(request, "statuspage/message.html", {"title": title, "message": message}, status=status)


@csrf_exempt  # a public form on a cached page, with no session; the link in the mail decides
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    if _rate_limited(request):
        return _message(
            request, "Too many requests", "Too many subscription requests from your address. Try later.", 429
        )
    subscriptions.request_subscription(email=request.POST.get("email", ""), **_topic(request.POST))
    return _message(
        request,
        "Check your inbox",
        "If the address can receive mail, a message with a confirmation link is on its way. "
        "The subscription starts once you follow that link.",
    )


@require_http_methods(["GET", "POST"])
def subscribe_me(request: HttpRequest) -> HttpResponse:
    # The public page is cached and carries no CSRF token, so it links here: GET shows the
    # button (with a token), only the POST subscribes.
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path() if request.method == "GET" else "/status/")
    if request.method == "GET":
        topic = _topic(request.GET)
        return render(request, "statuspage/subscribe_me.html", {"title": "Get updates", **topic})
    sub = subscriptions.subscribe_user(request.user, **_topic(request.POST))
    return _message(request, "Subscribed", f"{sub.email} now receives updates for {sub.topic}.")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, signed: str) -> HttpResponse:
    # GET only shows a button: link scanners in mail systems must not confirm for people.
    if request.method == "GET":
        return render(request, "statuspage/confirm.html", {"signed": signed})
    sub = subscriptions.confirm_subscription(signed)
    return render(
        request, "statuspage/manage.html", {"current": sub, "subscriptions": [sub], "confirmed": True}
    )


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs List-Unsubscribe=One-Click
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "statuspage/unsubscribe.html", {"token": token})
    subscriptions.unsubscribe(token)
    return _message(request, "Unsubscribed", "You will receive no more updates for this subscription.")


@require_GET
def manage(request: HttpRequest, token: str) -> HttpResponse:
    current, found = subscriptions.subscriptions_of(token)
    return render(request, "statuspage/manage.html", {"current": current, "subscriptions": found})
