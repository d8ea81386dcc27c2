"""Recognising automatic mail in real public samples, in each line-ending form: RFC 3464
reports and the servers' own formats, Mailman's detectors, feedback reports, sending
services' JSON notifications, automatic replies. No database."""

from __future__ import annotations

from pathlib import Path

import pytest

from casedesk.mime import parse, recognise

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata" / "mail"
OURS = Path(__file__).resolve().parent / "samples"
PEOPLE_IN_FLUFL = {"groupwise_03.txt"}  # a person's message among Mailman's bounces

FORMS = {
    "LF": lambda raw: raw,
    "CRLF": lambda raw: raw.replace(b"\n", b"\r\n"),
    "CR": lambda raw: raw.replace(b"\n", b"\r"),
}


def automatic_samples() -> list[Path]:
    files = sorted((SHARED / "bounces").glob("*.eml")) + sorted((SHARED / "autoreplies").glob("*.eml"))
    files.append(SHARED / "not-bounces" / "rb-issue-368-bug.eml")
    files += [f for f in sorted((OURS / "flufl-bounce").glob("*.txt")) if f.name not in PEOPLE_IN_FLUFL]
    return files + sorted((OURS / "feedback").glob("*.eml")) + sorted((OURS / "sisimai").glob("*.eml"))


def in_form(path: Path, form: str) -> bytes:
    return FORMS[form](path.read_bytes().replace(b"\r\n", b"\n"))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("path", automatic_samples(), ids=lambda p: p.name)
def test_every_automatic_sample_is_recognised_in_every_form(path, form):
    parsed = parse.parse(in_form(path, form))
    assert parsed.recognised is not None, path.name
    assert parsed.recognised.detector and parsed.recognised.evidence
    if parsed.recognised.kind == recognise.AUTO_REPLY:
        assert parsed.automatic and parsed.bounce is None
    else:
        assert parsed.bounce is not None


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    "path",
    [
        SHARED / "not-bounces" / "is-not-bounce-01.eml",
        SHARED / "not-bounces" / "is-not-bounce-02.eml",
        OURS / "flufl-bounce" / "groupwise_03.txt",
        *[p for p in sorted((SHARED / "replies").glob("*")) if not p.name.endswith("_reply_text")],
    ],
    ids=lambda p: p.name,
)
def test_mail_written_by_people_is_not_recognised(path, form):
    parsed = parse.parse(in_form(path, form))
    assert parsed.recognised is None and parsed.bounce is None and not parsed.automatic


FEEDBACK = [
    ("rfc5965-example.eml", recognise.COMPLAINT, "user@example.com", "ARF feedback report (RFC 5965)"),
    ("sisimai-arf-22.eml", recognise.COMPLAINT, "kijitora@example.com", "feedback report (Hotmail form)"),
    ("sns-ses-complaint.eml", recognise.COMPLAINT, "recipient@example.com", "Amazon SES notification"),
    (
        "ses-bounce-suppressed.eml",
        recognise.PERMANENT,
        "hi@simulator.amazonses.com",
        "Amazon SES notification",
    ),
    ("ses-bounce-transient.eml", recognise.TRANSIENT, "jane@example.com", "Amazon SES notification"),
    ("sendgrid-bounce.eml", recognise.PERMANENT, "example@test.com", "SendGrid event"),
    ("mailgun-failed.eml", recognise.PERMANENT, "alice@example.com", "Mailgun event"),
    ("postmark-hardbounce.eml", recognise.PERMANENT, "john@example.com", "Postmark webhook"),
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("name", "kind", "address", "detector"), FEEDBACK, ids=[f[0] for f in FEEDBACK])
def test_feedback_reports_and_notifications_record_kind_and_address(name, kind, address, detector, form):
    found = parse.parse(in_form(OURS / "feedback" / name, form)).recognised
    assert found is not None
    assert (found.kind, found.address, found.detector) == (kind, address, detector)


@pytest.mark.parametrize("form", FORMS)
def test_an_rfc_3464_report_is_explained_by_its_fields(form):
    found = parse.parse(in_form(SHARED / "bounces" / "rfc3464-01.eml", form)).recognised
    assert found is not None and found.kind in (recognise.PERMANENT, recognise.TRANSIENT)
    assert found.detector == "delivery report (RFC 3464)" and "Status: " in found.evidence


@pytest.mark.parametrize("form", FORMS)
def test_mailmans_detectors_find_what_the_own_formats_do_not(form):
    found = parse.parse(in_form(OURS / "flufl-bounce" / "smtp32_04.txt", form)).recognised
    assert found is not None and found.detector.startswith("flufl.bounce")
    assert found.kind == recognise.PERMANENT and found.address


@pytest.mark.parametrize("form", FORMS)
def test_an_automatic_reply_names_the_header_that_says_so(form):
    found = parse.parse(in_form(SHARED / "autoreplies" / "rfc3834-01.eml", form)).recognised
    assert found is not None and found.kind == recognise.AUTO_REPLY
    assert found.detector == "automatic reply (RFC 3834)"


def test_json_that_is_not_a_notification_is_ordinary_text():
    head = b"From: a@example.org\nTo: b@example.net\nSubject: data\n\n"
    raw = head + b'{"event": "party", "email": "x@y.example"}\n'
    assert parse.parse(raw).recognised is None


# Servers' and list managers' own forms (Sisimai's set of e-mails): the kind and the first
# address each records, with what Sisimai's own tests expect of it (reason; "soft" when it
# holds the address may work again, which is a transient failure here).
SISIMAI = [
    # Sisimai reads this one as "filtered" (soft); its text says 550 no such user.
    ("email-apachejames-01.eml", recognise.PERMANENT, "000000000000@vtext.example.com", "Apache James"),
    ("email-exchange2003-03.eml", recognise.PERMANENT, "kijitora@example.jp", "flufl.bounce"),  # userunknown
    ("email-exchange2003-07.eml", recognise.PERMANENT, "kijitora@example.org", "flufl.bounce"),  # userunknown
    # suspend, soft: "The user(s) account is disabled."
    (
        "email-ezweb-03.eml",
        recognise.TRANSIENT,
        "this-local-part-does-not-exist-on-the-site@ezweb.ne.jp",
        "EZweb",
    ),
    ("email-ezweb-07.eml", recognise.PERMANENT, "this-local-part-does-not-exist@ezweb.ne.jp", "EZweb"),
    ("email-fml-01.eml", recognise.TRANSIENT, "2ndml@example.com", "fml"),  # systemerror, soft
    ("email-kddi-01.eml", recognise.TRANSIENT, "kijitora@x0000000000000.dion.ne.jp", "KDDI"),  # mailboxfull
    ("email-opensmtpd-02.eml", recognise.PERMANENT, "mailboxfull@example.jp", "OpenSMTPD"),  # 5.2.2 / 5.1.1
    ("email-opensmtpd-03.eml", recognise.PERMANENT, "kijitora@neko.example.jp", "OpenSMTPD"),  # hostunknown
    ("email-v5sendmail-01.eml", recognise.TRANSIENT, "kijitora@example.com", "sendmail 5"),  # expired, soft
    # userunknown
    ("email-verizon-02.eml", recognise.PERMANENT, "may-be-straycat-nyaaaaaan@vtext.com", "Verizon"),
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("name", "kind", "address", "detector"), SISIMAI, ids=[f[0] for f in SISIMAI])
def test_servers_own_forms_record_kind_and_address(name, kind, address, detector, form):
    parsed = parse.parse(in_form(OURS / "sisimai" / name, form))
    found = parsed.recognised
    assert found is not None
    assert (found.kind, found.address) == (kind, address)
    assert detector in found.detector and found.evidence
    assert parsed.bounce is not None and parsed.bounce.permanent == (kind == recognise.PERMANENT)


def test_both_failures_of_one_opensmtpd_report_are_recorded():
    found = parse.parse((OURS / "sisimai" / "email-opensmtpd-02.eml").read_bytes()).recognised
    assert found is not None
    assert found.addresses == ("mailboxfull@example.jp", "userunknown@example.jp")
