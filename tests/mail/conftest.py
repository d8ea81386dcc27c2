import pytest

from tests.mail.smtp_sink import SmtpSink


@pytest.fixture
def smtp(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        yield sink


@pytest.fixture
def desk(db):
    """An organisation on one platform whose team has two technicians on shift."""
    from datetime import timedelta

    from django.utils import timezone

    from casedesk.accounts.models import Shift
    from tests.factories import (
        ContactFactory,
        OrganisationFactory,
        PlatformFactory,
        StaffFactory,
        TeamFactory,
    )

    team = TeamFactory()
    techs = [StaffFactory(), StaffFactory()]
    team.members.set(techs)
    now = timezone.now()
    for tech in techs:
        Shift.objects.create(user=tech, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8))
    platform = PlatformFactory(team=team)
    org = OrganisationFactory(platforms=[platform])
    mpoc = ContactFactory(organisation=org, email="Dana.MPOC@Acme.example.com", is_primary_mpoc=True)
    other = ContactFactory(organisation=org, email="lee@acme.example.com", is_secondary_mpoc=False)
    return {"team": team, "techs": techs, "platform": platform, "org": org, "mpoc": mpoc, "other": other}


@pytest.fixture
def fail_on(monkeypatch):
    """`fail_on("Subject")`: processing a new message whose text starts so fails (choosing
    its platform raises), on the one-at-a-time and the batch path alike."""
    from casedesk.mail import routing

    real = routing.platform_for

    def arm(prefix: str) -> None:
        def flaky(contact, text, platforms=None):
            if text.startswith(prefix):
                raise RuntimeError("the database went away")
            return real(contact, text, platforms)

        monkeypatch.setattr(routing, "platform_for", flaky)

    yield arm
    monkeypatch.setattr(routing, "platform_for", real)
