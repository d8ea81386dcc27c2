from __future__ import annotations

import pytest

from tests.mail.smtp_sink import SmtpSink


@pytest.fixture(autouse=True)
def _status_settings(settings):
    settings.CASEDESK_STATUS_RECHECK_SECONDS = 0
    settings.CASEDESK_BASE_URL = "http://127.0.0.1:8000"
    settings.CASEDESK_MAIL_DOMAIN = "example.com"
    from casedesk.status import versions
    from casedesk.statuspage import pages

    pages._memo.clear()
    versions.forget()


@pytest.fixture
def smtp_server(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        yield sink
