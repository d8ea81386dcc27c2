"""django-helpdesk side of bench_mail.py, run with its own virtualenv's python.

Usage: mail_helpdesk.py WORK_DIR MESSAGES_DIR
A minimal Django project around django-helpdesk, a fresh SQLite file, one queue reading a
local mailbox directory; times `get_email`'s processing of the same messages.
"""

import json
import os
import shutil
import sys
import time
from pathlib import Path

work = Path(sys.argv[1])
folder = Path(sys.argv[2])
(work / "hdproject").mkdir(parents=True, exist_ok=True)
(work / "hdproject" / "__init__.py").write_text("")
(work / "hdproject" / "urls.py").write_text(
    "from django.urls import include, path\n"
    "urlpatterns = [path('helpdesk/', include('helpdesk.urls', namespace='helpdesk'))]\n"
)
(work / "hdproject" / "settings.py").write_text(
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
MIDDLEWARE = []
ROOT_URLCONF = "hdproject.urls"
TEMPLATES = [{{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {{"context_processors": ["django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth", "django.contrib.messages.context_processors.messages"]}}}}]
# The same SQLite settings as casedesk's (WAL, synchronous=NORMAL, BEGIN IMMEDIATE).
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": "{work / "helpdesk.sqlite3"}",
    "OPTIONS": {{"transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}}}}}
USE_TZ = True
STATIC_URL = "static/"
MEDIA_ROOT = "{work / "hdmedia"}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "support@example.com"
# Teams through Django's groups, as django-helpdesk documents, instead of pinax-teams.
HELPDESK_TEAMS_MODEL = "auth.Group"
HELPDESK_TEAMS_MIGRATION_DEPENDENCIES = [("auth", "0012_alter_user_first_name_max_length")]
HELPDESK_KBITEM_TEAM_GETTER = lambda _: None
LOGGING = {{"version": 1, "disable_existing_loggers": False, "root": {{"level": "ERROR"}}}}
"""
)
sys.path.insert(0, str(work))
os.environ["DJANGO_SETTINGS_MODULE"] = "hdproject.settings"

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)

from helpdesk.email import process_email  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402

inbox = work / "maildir"
queue = Queue.objects.create(
    title="Support",
    slug="support",
    email_address="support@example.com",
    allow_email_submission=True,
    email_box_type="local",
    email_box_local_dir=str(inbox),
    email_box_interval=0,
    logging_type="none",
)
elapsed = 0.0
messages = 0
for name in ("new", "replies"):
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir()
    for path in sorted((folder / name).glob("*.eml")):
        shutil.copy(path, inbox / path.name)
        messages += 1
    Queue.objects.filter(pk=queue.pk).update(email_box_last_check=None)
    started = time.perf_counter()
    process_email(quiet=True)
    elapsed += time.perf_counter() - started
left = len(list(inbox.iterdir()))
print(
    json.dumps(
        {
            "seconds": elapsed,
            "messages": messages,
            "tickets": Ticket.objects.count(),
            "followups": FollowUp.objects.count(),
            "left_unprocessed": left,
        }
    )
)
