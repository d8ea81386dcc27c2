"""Control characters: refused in single-line fields at entry, folded out of every subject."""

from __future__ import annotations

import pytest
from django.core import mail

from casedesk.core.errors import Refused
from casedesk.outbox import delivery
from casedesk.outbox.models import OutboundMessage
from casedesk.rules.text import fold, has_control
from tests.factories import customer, make_case

pytestmark = pytest.mark.django_db


def test_the_rule_sees_breaks_tabs_and_other_controls_and_folds_them():
    assert not has_control("No dial tone – café")
    assert all(has_control(f"a{c}b") for c in ("\r", "\n", "\t", "\x00", "\x1b", "\x85", "\u2028"))
    assert fold("  Phones\r\n\tdown\x00 now \u2028") == "Phones down now"


@pytest.mark.parametrize("title", ["Phones down\r\nBcc: everyone@example.com", "Phones\tdown", "Bell\x07"])
def test_a_title_with_a_control_character_is_refused_with_a_clear_message(title):
    with pytest.raises(Refused, match="single line"):
        make_case(by=customer(), title=title)


def test_a_subject_built_from_data_is_folded_and_the_message_goes_out(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    row = delivery.save(
        delivery.build(kind="test", to="dana@example.com", subject="Outage\r\nBcc: x@example.com", text="t")
    )
    assert row is not None and row.subject == "Outage Bcc: x@example.com"
    delivery.deliver_due()
    assert OutboundMessage.objects.get().state == "sent"
    assert mail.outbox[0].subject == "Outage Bcc: x@example.com" and not mail.outbox[0].bcc
