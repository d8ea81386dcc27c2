"""Notices rendered once per shape (`outbox.stencils`) read exactly as rendered in full."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casedesk.accounts.models import Organisation
from casedesk.cases import notices
from casedesk.cases.audience import Reader
from casedesk.cases.models import APPROVAL_CHOICES, Case, Kind
from casedesk.outbox import delivery, stencils
from casedesk.rules.lifecycle import Status
from casedesk.rules.triage import Priority

# Text that escapes, folds, holds the markers' own characters or looks like a marker.
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "A & B <b>\"q\" 'x'", "line\nbreak\ttab", "\ue000&v0x\ue001", "&amp;v1x"]),
)


def _notice(template: str, case: Case, reader: Reader, stencil: bool) -> tuple[str, str, str]:
    context = {
        "case": case,
        "number": case.number,
        "event": SimpleNamespace(kind="created", changes={}, body=case.description),
        "contact": reader,
        "url": f"https://desk.example.com/portal/cases/{case.number}/",
        "status": case.status_label,
        "dropped": (),
    }
    shaped = notices._stencil(template, context) if stencil else None
    if stencil:
        assert shaped is not None
    message = delivery.build_template(
        kind=template, to=reader.email, template=template, context=context, stencil=shaped
    )
    return message.subject, message.text, message.html


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    name=TEXT,
    title=TEXT,
    pk=st.integers(1, 10**7),
    kind=st.sampled_from(Kind.values),
    approval=st.sampled_from([value for value, _ in APPROVAL_CHOICES]),
    priority=st.sampled_from([p.value for p in Priority]),
    status=st.sampled_from([s.value for s in Status]),
    needs_triage=st.booleans(),
    zone=st.sampled_from(["", "Europe/London", "America/New_York"]),
)
def test_a_stenciled_notice_reads_as_one_rendered_in_full(
    name, title, pk, kind, approval, priority, status, needs_triage, zone
):
    organisation = Organisation(pk=1, name="Org & Co", time_zone=zone)
    case = Case(
        pk=pk,
        organisation=organisation,
        kind=kind,
        approval=approval,
        priority=priority,
        status=status,
        needs_triage=needs_triage,
        title=title,
    )
    reader = Reader("someone@example.com", name)
    for template in sorted(notices.STENCILED):
        expected = _notice(template, case, reader, stencil=False)
        assert _notice(template, case, reader, stencil=True) == expected  # the first of its shape
        assert _notice(template, case, reader, stencil=True) == expected  # from the stencil


def test_a_template_that_does_more_than_print_a_value_is_rendered_in_full():
    calls = []

    def full():
        calls.append("full")
        return ("Subject", "HELLO ADA", "<p>HELLO ADA</p>")

    def stand_in():  # as `{{ contact.name|upper }}` renders the marker
        shouted = stencils.marker(0).upper()
        return ("Subject", f"HELLO {shouted}", f"<p>HELLO {shouted}</p>")

    for _ in range(3):
        found = stencils.render(("upper",), ("Ada",), stand_in, full)
        assert found == ("Subject", "HELLO ADA", "<p>HELLO ADA</p>")
    assert calls == ["full"] * 3


def test_a_stencil_that_would_differ_from_the_full_render_is_never_used():
    def stand_in():  # a template that tests the value: the first reader's copy says so
        return ("S", f"Dear {stencils.marker(0)}", "")

    first = stencils.render(("tested",), ("Ada",), stand_in, lambda: ("S", "Dear Ada, welcome back", ""))
    later = stencils.render(("tested",), ("Bo",), stand_in, lambda: ("S", "Dear Bo", ""))
    assert first == ("S", "Dear Ada, welcome back", "") and later == ("S", "Dear Bo", "")


@pytest.mark.django_db
def test_a_batch_of_new_cases_renders_each_template_once(desk, monkeypatch):
    from casedesk.mail.batch import ingest_many
    from casedesk.outbox.models import OutboundMessage
    from tests.mail.mailgen import make_mail

    rendered = []
    real = delivery._render
    monkeypatch.setattr(
        delivery, "_render", lambda template, context: rendered.append(template) or real(template, context)
    )
    raws = [make_mail(desk["mpoc"].email, subject=f"Line {n} <down> & out") for n in range(5)]
    results = ingest_many(raws)
    assert [r.outcome for r in results] == ["created"] * 5
    assert rendered == ["case_opened", "case_opened"]  # the first in full and as its stencil
    for result in results:
        notice = OutboundMessage.objects.get(case__pk=int(result.case.split("-")[1]), kind="case_opened")
        number = result.case
        assert notice.subject.startswith(f"[{number}] New Case: Line ") and "<down> & out" in notice.subject
        assert "&lt;down&gt; &amp; out" in notice.html and "<down> & out" in notice.text
        assert f"/portal/cases/{number}/" in notice.html and f"Hello {desk['mpoc'].name}," in notice.text
