"""django-helpdesk 2.6.1's side of bench_side.py, run with its own virtualenv's python.

Usage: side_helpdesk.py WORK_DIR DATABASE_URL migrate
       side_helpdesk.py WORK_DIR DATABASE_URL measure RUNS WARMUPS BUDGET_S
A minimal Django project around django-helpdesk on PostgreSQL (the usual middleware,
sessions, teams through Django's groups as its documentation describes, ticket owners
limited to staff so that a form does not list 50,000 customers). `measure` requests each
workload in-process through django.test.Client as a logged-in user and prints one line of
JSON: per workload the median and p95 ms and the queries of one request. A page whose rows
its own JavaScript fetches afterwards (the ticket list's datatable, the customer's ticket
list) is timed as the page and that fetch together, one after the other, as a browser
shows it.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

work = Path(sys.argv[1])
url = urlsplit(sys.argv[2])
command = sys.argv[3]
project = work / "hdproject"
project.mkdir(parents=True, exist_ok=True)
(project / "__init__.py").write_text("")
(project / "urls.py").write_text(
    "from django.contrib import admin\nfrom django.urls import include, path\n"
    "urlpatterns = [path('helpdesk/', include('helpdesk.urls', namespace='helpdesk')),"
    " path('admin/', admin.site.urls)]\n"
)
(project / "settings.py").write_text(
    f"""
SECRET_KEY = "bench"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdproject.urls"
TEMPLATES = [{{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {{"context_processors": ["django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth", "django.contrib.messages.context_processors.messages"]}}}}]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": "{url.path.lstrip("/")}",
    "USER": "{url.username or "postgres"}", "HOST": "{url.hostname or "127.0.0.1"}",
    "PORT": "{url.port or 5432}"}}}}
USE_TZ = True
STATIC_URL = "static/"
MEDIA_ROOT = "{work / "hdmedia"}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "support@example.com"
LOGIN_URL = "/helpdesk/login/"
HELPDESK_TEAMS_MODEL = "auth.Group"
HELPDESK_TEAMS_MIGRATION_DEPENDENCIES = [("auth", "0012_alter_user_first_name_max_length")]
HELPDESK_KBITEM_TEAM_GETTER = lambda _: None
HELPDESK_STAFF_ONLY_TICKET_OWNERS = True
LOGGING = {{"version": 1, "disable_existing_loggers": False, "root": {{"level": "ERROR"}}}}
"""
)
sys.path.insert(0, str(work))
os.environ["DJANGO_SETTINGS_MODULE"] = "hdproject.settings"

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

if command == "migrate":
    call_command("migrate", verbosity=0)
    print(json.dumps({"migrated": True}))
    sys.exit(0)

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from helpdesk.models import Queue, Ticket  # noqa: E402
from helpdesk.query import query_to_base64  # noqa: E402

runs, warmups, budget_s = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
User = get_user_model()


def stats(samples, queries):
    ordered = sorted(samples)
    return {
        "median": statistics.median(samples),
        "p95": ordered[max(0, -(-95 * len(ordered) // 100) - 1)],
        "queries": queries,
        "n": len(samples),
    }


def timed(fn):
    # The first request is a warm-up; one slower than the whole
    # budget is the only sample (the slowest pages take minutes at a million tickets).
    with CaptureQueriesContext(connection) as captured:
        t0 = time.perf_counter()
        fn()
        first = (time.perf_counter() - t0) * 1000
    queries = len(captured.captured_queries)
    if first > budget_s * 1000:
        return {**stats([first], queries), "cold": True}
    for _ in range(warmups - 1):
        fn()
    samples = []
    started = time.perf_counter()
    while len(samples) < runs and (len(samples) < 3 or time.perf_counter() - started < budget_s):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as captured:
        fn()
    return stats(samples, len(captured.captured_queries))


def gets(client, *paths):
    def fn():
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"helpdesk: GET {path} answered {response.status_code}.")

    return fn


theo = User.objects.get(email="theo@support.example.com")
dana = User.objects.get(email="dana@acme.example.com")
from helpdesk.models import UserSettings  # noqa: E402

clients = {}
for who, user in (("theo", theo), ("dana", dana)):
    UserSettings.objects.get_or_create(user=user)  # its signal makes it; the load is set-based
    clients[who] = Client()
    clients[who].force_login(user)

# Theo's teams are the queues of the same names (bench_side.py loads them so).
queues = list(Queue.objects.filter(slug__in=sys.argv[7].split(",")).values_list("pk", flat=True))
OPEN = [Ticket.OPEN_STATUS, Ticket.REOPENED_STATUS, Ticket.RESOLVED_STATUS]


def ticket_list(params, query):
    """The list page with its filters, then the datatable's first page of 25 as its script asks."""
    page = "/helpdesk/tickets/?" + "&".join(f"{k}={v}" for k, vs in params.items() for v in vs)
    b64 = query_to_base64(query)
    data = f"/helpdesk/datatables_ticket_list/{b64}?draw=1&start=0&length=25"
    data += "&order[0][column]=0&order[0][dir]=desc"
    return page, data


out = {}
page, data = ticket_list(
    {"queue": queues, "status": OPEN, "sort": ["created"], "sortreverse": ["on"]},
    {
        "filtering": {"queue__id__in": queues, "status__in": OPEN},
        "filtering_null": {},
        "sorting": "created",
        "sortreverse": True,
        "search_string": "",
    },
)
out["agent queue"] = timed(gets(clients["theo"], page, data))
out["agent queue"]["rows"] = json.loads(clients["theo"].get(data).content)["recordsFiltered"]
out["customer case list"] = timed(
    gets(clients["dana"], "/helpdesk/tickets/my-tickets/", "/helpdesk/api/user_tickets/?page=1")
)
out["customer case list"]["rows"] = json.loads(
    clients["dana"].get("/helpdesk/api/user_tickets/?page=1").content
)["count"]
ticket = int(sys.argv[8])
out["case detail"] = timed(gets(clients["theo"], f"/helpdesk/tickets/{ticket}/"))
out["reports page (not an SLA report)"] = timed(gets(clients["theo"], "/helpdesk/reports/"))
page, data = ticket_list(
    {"q": ["voicemail"]},
    {
        "filtering": {},
        "filtering_null": {},
        "sorting": "created",
        "sortreverse": False,
        "search_string": "voicemail",
    },
)
out["search"] = timed(gets(clients["theo"], page, data))
out["search"]["rows"] = json.loads(clients["theo"].get(data).content)["recordsFiltered"]

queue_pk = queues[0]
body = json.dumps(
    {
        "queue": queue_pk,
        "title": "Calls drop after 30 seconds",
        "description": "Every outbound call from the branch drops after about thirty seconds.",
        "submitter_email": "c211@customer43.example.net",
        "priority": 3,
    }
)


def create():
    response = clients["theo"].post("/helpdesk/api/tickets/", body, content_type="application/json")
    if response.status_code != 201:
        raise SystemExit(
            f"helpdesk: POST /helpdesk/api/tickets/ answered {response.status_code}: {response.content!r}"
        )


out["case creation (API)"] = timed(create)
print(json.dumps(out))
