"""Parsing without a database: text, quotes, HTML, attachments, limits, automatic mail."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from casedesk.mime import limits, lines, parse
from tests.mail.mailgen import make_mail


def test_quoted_history_and_attribution_are_stripped():
    text = (
        "Thanks, that fixed it.\n\nOn Mon, 2 Apr 2012 at 18:26, Support <support@example.com>\n"
        "wrote:\n\n> Try a reboot.\n> -- \n> Support\n"
    )
    assert parse.strip_quoted(text) == "Thanks, that fixed it."


def test_outlook_original_block_is_cut():
    text = "Still broken.\n\nFrom: Support [mailto:support@example.com]\nSent: Monday\nTo: Me\n\nold text"
    assert parse.strip_quoted(text) == "Still broken."


def test_inline_answers_keep_the_new_lines_only():
    assert parse.strip_quoted("On 1 May 2024, Bob wrote:\n> question?\nanswer") == "answer"


def test_a_message_of_only_quotes_keeps_its_text():
    assert parse.strip_quoted("> only quoted") == "> only quoted"


def test_html_only_is_sanitised_and_read_as_text_without_its_quote():
    html = (
        "<html><head><style>p{}</style><script>alert(1)</script></head><body>"
        "<p>New <b>text</b> here</p><img src=x onerror=alert(1)>"
        '<div class="gmail_quote">On Mon wrote:<blockquote>old</blockquote></div></body></html>'
    )
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["Subject"] = "x"
    msg.set_content(html, subtype="html")
    parsed = parse.parse(msg.as_bytes())
    assert parsed.text == "New text here"
    assert "<script" not in parsed.html and "onerror" not in parsed.html
    assert "<b>text</b>" in parsed.html


@pytest.mark.parametrize(
    ("charset", "cte"), [("utf-8", "base64"), ("iso-8859-1", "quoted-printable"), ("koi8-r", "8bit")]
)
def test_charsets_and_transfer_encodings(charset, cte):
    body = "Grüße" if charset != "koi8-r" else "Привет"
    msg = EmailMessage()
    msg["From"] = "=?utf-8?q?J=C3=BCrgen?= <Juergen@Example.COM>"
    msg["Subject"] = "=?iso-8859-1?q?Gr=FC=DFe?="
    msg.set_content(body, charset=charset, cte=cte)
    parsed = parse.parse(msg.as_bytes())
    assert parsed.text.strip() == body
    assert parsed.sender == "juergen@example.com" and parsed.sender_name == "Jürgen"
    assert parsed.subject == "Grüße"


def test_unknown_charset_is_read_anyway():
    raw = b"From: a@example.com\nSubject: x\nContent-Type: text/plain; charset=x-nonsense\n\nhello\n"
    assert parse.parse(raw).text.strip() == "hello"


def test_attachments_and_inline_images_are_collected():
    raw = make_mail(
        "a@example.com",
        attachments=[("../../etc/passwd.txt", "text/plain", b"log"), ("shot.png", "image/png", b"\x89PNG")],
    )
    parsed = parse.parse(raw)
    assert [(a.name, a.content) for a in parsed.attachments] == [
        ("../../etc/passwd.txt", b"log"),
        ("shot.png", b"\x89PNG"),
    ]


def test_limits_depth_parts_and_size(monkeypatch):
    inner = b"Content-Type: text/plain\n\nx\n"
    for i in range(parse.MAX_DEPTH + 2):
        inner = (
            f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'.encode()
            + inner
            + f"\n--b{i}--\n".encode()
        )
    with pytest.raises(parse.Unparseable, match="nesting"):
        parse.parse(b"From: a@example.com\n" + inner)
    parts = b"".join(b"--b\nContent-Type: text/plain\n\nx\n" for _ in range(parse.MAX_PARTS + 1))
    with pytest.raises(parse.Unparseable, match="parts"):
        parse.parse(
            b'From: a@example.com\nContent-Type: multipart/mixed; boundary="b"\n\n' + parts + b"--b--\n"
        )
    monkeypatch.setattr(limits, "MAX_BYTES", 100)
    with pytest.raises(parse.Unparseable, match="limit"):
        parse.parse(make_mail("a@example.com"))
    with pytest.raises(parse.Unparseable):
        parse.parse(b"   ")


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"X-Autoreply": "yes"},
        {"X-Auto-Response-Suppress": "All"},
    ],
)
def test_automatic_by_headers(headers):
    assert parse.parse(make_mail("a@example.com", headers=headers)).automatic


@pytest.mark.parametrize(
    "subject", ["Out of Office: Phones", "Automatic reply: x", "Auto-Reply", "Abwesenheitsnotiz"]
)
def test_automatic_by_subject(subject):
    assert parse.parse(make_mail("a@example.com", subject=subject)).automatic


def test_a_person_is_not_automatic():
    parsed = parse.parse(make_mail("a@example.com", headers={"Auto-Submitted": "no"}))
    assert not parsed.automatic and parsed.bounce is None


def test_fingerprint_ignores_trace_fields_only():
    raw = make_mail("a@example.com", message_id="<m1@example.net>")
    relayed = b"Received: from relay by mx; Mon, 1 Jan 2024\r\nReturn-Path: <a@example.com>\r\n" + raw
    assert lines.fingerprint(raw) == lines.fingerprint(relayed)
    assert lines.fingerprint(raw)[0] == "<m1@example.net>"
    assert lines.fingerprint(raw.replace(b"All our", b"Some of our")) != lines.fingerprint(raw)


def test_thread_ids_most_specific_first():
    raw = make_mail("a@example.com", in_reply_to="<c@x>", references="<a@x> <b@x> <c@x>")
    assert parse.parse(raw).thread_ids == ("<c@x>", "<b@x>", "<a@x>")


def test_an_unencoded_8_bit_header_is_read_as_utf8_with_no_lone_surrogates():
    raw = "From: no-reply@x.dion.ne.jp\nSubject: メールエラー通知\n\nbody\n".encode()
    parsed = parse.parse(raw)
    subject = dict(parsed.headers)["Subject"]
    assert subject == "メールエラー通知"
    assert all(not 0xD800 <= ord(ch) <= 0xDFFF for name, value in parsed.headers for ch in name + value)
