"""The fingerprint that makes a second delivery a duplicate: the same message in any
line-ending form, through any relays, is one message; any other difference is another."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casedesk.mail import batch
from casedesk.mail.models import InboundMessage
from casedesk.mime import lines, parse
from tests.mail.test_recognisers import automatic_samples, in_form

TRACE = [
    "Received",
    "Return-Path",
    "Delivered-To",
    "X-Original-To",
    "Authentication-Results",
    "X-Spam-Status",
]
OTHER = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "X-Mailer",
    "Content-Type",
    "Reply-To",
    "Auto-Submitted",
]
VALUE = st.text(st.characters(codec="ascii", exclude_characters="\r\n"), max_size=30)
BODY = st.text(st.characters(codec="ascii"), max_size=200)
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def messages(draw):
    """(the message's bytes, what of it is neither trace fields nor line endings)."""
    fields = draw(st.lists(st.tuples(st.sampled_from(OTHER), VALUE), min_size=1, max_size=6))
    traces = draw(st.lists(st.tuples(st.sampled_from(TRACE), VALUE, st.integers(0, 6)), max_size=4))
    body = draw(BODY)
    ending = draw(ENDINGS)
    head = [f"{name}: {value}" for name, value in fields]
    for name, value, at in traces:
        head.insert(min(at, len(head)), f"{name}: {value}")
    if draw(st.booleans()):
        head.insert(0, "From sender@example.org Mon Jan  1 00:00:00 2024")  # a mailbox separator
    raw = (
        ending.join(head)
        + ending
        + ending
        + body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", ending)
    )
    essence = (tuple(fields), re.sub(r"\r\n?", "\n", body))
    return raw.encode("ascii"), essence


@settings(max_examples=400, deadline=None)
@given(messages(), messages())
def test_messages_differing_beyond_trace_and_line_endings_never_share_a_fingerprint(one, two):
    (raw_one, essence_one), (raw_two, essence_two) = one, two
    same = lines.fingerprint(raw_one) == lines.fingerprint(raw_two)
    assert same == (essence_one == essence_two)


@settings(max_examples=200, deadline=None)
@given(messages())
def test_the_same_message_in_three_forms_has_one_fingerprint(message):
    raw, _ = message
    lf = lines.normalise(raw)
    forms = [lf, lf.replace(b"\n", b"\r\n"), lf.replace(b"\n", b"\r"), raw]
    assert len({lines.fingerprint(form) for form in forms}) == 1


def test_bare_cr_messages_that_open_with_a_trace_field_stay_apart():
    # Once, such a message was not split, its header was all one trace field, and every
    # one of them had the same fingerprint.
    raws = [
        f"Received: from relay{n}\rFrom: a@example.org\rSubject: {n}\r\rbody {n}\r".encode() for n in range(5)
    ]
    assert len({lines.fingerprint(raw) for raw in raws}) == 5


def test_a_header_that_cannot_be_separated_is_fingerprinted_whole_and_unreadable():
    raw = b"Received: from relay\nFrom: a@example.org\nSubject: no empty line follows"
    message_id, digest = lines.fingerprint(raw)
    assert digest.startswith("unseparated:") and message_id == ""
    assert lines.fingerprint(raw + b" x") != (message_id, digest)
    with pytest.raises(parse.Unparseable, match="cannot be separated"):
        parse.parse(raw)


@pytest.mark.django_db
def test_unseparated_messages_are_quarantined_with_the_reason_each_on_its_own():
    raws = [b"Received: from relay\nFrom: a@example.org\nSubject: %d" % n for n in range(3)]
    results = batch.ingest_many(raws, source="cli")
    assert [r.outcome for r in results] == ["quarantined"] * 3
    assert all("cannot be separated from the body" in (r.reason or "") for r in results)
    assert InboundMessage.objects.count() == 3


@pytest.mark.django_db
def test_the_same_100_messages_in_three_forms_are_100_records_and_200_duplicates():
    samples = automatic_samples()[:100]
    outcomes = []
    for form in ("LF", "CRLF", "CR"):
        results = batch.ingest_many([in_form(path, form) for path in samples], source="cli")
        outcomes += [r.outcome for r in results]
    assert InboundMessage.objects.count() == 100
    assert outcomes[100:] == ["duplicate"] * 200
    assert "duplicate" not in outcomes[:100] and "pending" not in outcomes[:100]
    stored = {bytes(raw) for raw in InboundMessage.objects.values_list("raw", flat=True)}
    assert stored == {in_form(path, "LF") for path in samples}  # stored as first received
