"""Every real sample under shared/testdata/mail gives the outcome its README states."""

from __future__ import annotations

from pathlib import Path

import pytest

from casedesk.cases.models import Case
from casedesk.mail import intake
from casedesk.mail.models import AddressFailure
from casedesk.mime import parse
from casedesk.outbox.models import OutboundMessage
from tests.factories import ContactFactory, make_case

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata" / "mail"
pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"the shared mail samples are not beside the repository ({SAMPLES})"
)


def files(folder: str) -> list[Path]:
    return sorted((SAMPLES / folder).glob("*.eml")) if SAMPLES.is_dir() else []


@pytest.mark.django_db
@pytest.mark.parametrize("path", files("bounces"), ids=lambda p: p.name)
def test_bounces_never_open_or_answer_and_are_recorded(path):
    raw = path.read_bytes()
    result = intake.ingest(raw)
    assert result.outcome == "bounce", result
    assert not Case.objects.exists() and not OutboundMessage.objects.exists()
    bounce = parse.parse(raw).bounce
    assert AddressFailure.objects.count() == len(bounce.recipients)


@pytest.mark.django_db
@pytest.mark.parametrize("path", files("autoreplies"), ids=lambda p: p.name)
def test_auto_replies_never_open_or_answer(path):
    raw = path.read_bytes()
    ContactFactory(email=parse.parse(raw).sender)  # even from an MPOC
    assert intake.ingest(raw).outcome == "auto_reply"
    assert not Case.objects.exists() and not OutboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", files("not-bounces"), ids=lambda p: p.name)
def test_not_bounces(path):
    raw = path.read_bytes()
    ContactFactory(email=parse.parse(raw).sender)
    result = intake.ingest(raw)
    if b"Auto-Submitted: auto-replied" in raw:
        assert result.outcome == "auto_reply"
        assert not Case.objects.exists() and not OutboundMessage.objects.exists()
    else:
        assert result.outcome == "created", result
        assert Case.objects.get().channel == "email"


@pytest.mark.django_db
@pytest.mark.parametrize("path", files("replies"), ids=lambda p: p.name)
def test_replies_store_only_the_new_text(path):
    raw = path.read_bytes()
    contact = ContactFactory(email=parse.parse(raw).sender)
    case = make_case(by=contact, title="Test")
    result = intake.ingest(raw, envelope_to=[f"support+{case.number}@example.com"])
    assert result.outcome == "appended" and result.case == case.number
    expected_file = path.with_name(path.stem + "_reply_text")
    expected = expected_file.read_text() if expected_file.exists() else "Hello"
    comment = case.events.filter(kind="comment").get()
    assert " ".join(comment.body.split()) == " ".join(expected.split())
    assert comment.inbound.get().raw  # the full original is kept
