"""A case's timeline, rendered in Python rather than by the template engine: a case page
shows every entry of its history (a long case has hundreds), and resolving each entry's
dozen variables and filters through the engine was most of a long case's page. As in
`queue_rows`, every value from the database goes through `format_html`, so it is escaped
as a template would escape it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from casedesk.core import when
from casedesk.core.links import reverse
from casedesk.web.safe_html import format_html, format_html_join
from casedesk.web.templatetags.casedesk_tags import change_value, field_label


def _changes(event: Any) -> SafeString:
    rows = getattr(event, "change_rows", None)
    if not rows:
        return mark_safe("")
    items = format_html_join(
        "",
        '\n      <li><span class="field">{}</span>: {} → {}</li>',
        ((field_label(field), change_value(old), change_value(new)) for field, old, new in rows),
    )
    return format_html('\n    <ul class="changes">{}</ul>', items)


def _file(a: Any) -> SafeString:
    size = filesizeformat(a.size)
    if a.purged_at:
        return format_html(
            '\n      <li>{} <span class="muted">({}; removed under the retention rule)</span></li>',
            a.name,
            size,
        )
    return format_html(
        '\n      <li><a href="{}">{}</a> <span class="muted">({})</span></li>',
        reverse("attachment", args=[a.pk]),
        a.name,
        size,
    )


def _entry(event: Any, sender_checks: bool) -> SafeString:
    internal = not event.public
    badge = mark_safe("")
    if sender_checks and event.sender_verified is not None:
        verified = event.sender_verified
        badge = format_html(
            '\n      <span class="badge sender-{}">{}</span>',
            "pass" if verified else "none",
            "sender verified" if verified else "sender not verified",
        )
    body = format_html('\n    <div class="body">{}</div>', linebreaksbr(event.body)) if event.body else ""
    mail_id = getattr(event, "mail_id", None)
    original = (
        format_html(
            '\n    <p class="muted"><a href="{}">Original e-mail and its headers</a></p>',
            reverse("console:mail_message", args=[mail_id]),
        )
        if mail_id
        else ""
    )
    files = getattr(event, "files", ())
    listed = (
        format_html('\n    <ul class="files">{}</ul>', mark_safe("".join(_file(a) for a in files)))  # noqa: S308
        if files
        else ""
    )
    return format_html(
        '\n  <li class="event event-{}{}" id="event-{}">\n    <div class="meta">\n'
        "      <strong>{}</strong>\n"
        '      <span class="kind">{}{}</span>\n'
        '      <time datetime="{}">{}</time>{}\n'
        "    </div>{}{}{}{}\n  </li>",
        event.kind,
        " internal" if internal else "",
        event.pk,
        event.author_name,
        event.get_kind_display(),
        " (internal)" if internal else "",
        timezone.localtime(event.at).isoformat(),
        when.human(event.at),
        badge,
        _changes(event),
        body,
        original,
        listed,
    )


def render(events: Iterable[Any], *, sender_checks: bool = False) -> SafeString:
    """The `<ol class="timeline">` of `events` (labelled by `history.labelled`, each with
    its `files` and, for staff, `mail_id`); `sender_checks`: show whether an e-mail's
    sender was verified (staff)."""
    entries = "".join(_entry(event, sender_checks) for event in events)
    return format_html('<ol class="timeline">{}\n</ol>', mark_safe(entries))  # noqa: S308
