"""The pages built in Python format values exactly as Django's `format_html` does."""

from __future__ import annotations

from django.utils import html as django_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from casedesk.web import safe_html

values = st.one_of(
    st.text(),
    st.text().map(mark_safe),
    st.integers(),
    st.none(),
    st.sampled_from([gettext_lazy("Case"), '<script>alert("x")</script>', "O'Brien & Co", "\x00\u202e"]),
)


@given(st.lists(values, max_size=5))
def test_format_html_gives_what_django_gives(args):
    template = " ".join("<b title='{}'>{}</b>" for _ in args) or "<i>none</i>"
    doubled = [a for a in args for _ in range(2)]
    ours = safe_html.format_html(template, *doubled) if args else safe_html.format_html(template, None)
    theirs = django_html.format_html(template, *doubled) if args else django_html.format_html(template, None)
    assert ours == theirs
    assert isinstance(ours, SafeString)


@given(
    st.lists(st.tuples(values, values), max_size=4), st.sampled_from(["", "\n", "<br>", mark_safe("<br>")])
)
def test_format_html_join_gives_what_django_gives(rows, sep):
    ours = safe_html.format_html_join(sep, "<li>{}: {}</li>", rows)
    assert ours == django_html.format_html_join(sep, "<li>{}: {}</li>", rows)
    assert isinstance(ours, SafeString)
    named = [{"a": a, "b": b} for a, b in rows]
    assert safe_html.format_html_join(sep, "{a}={b}", named) == django_html.format_html_join(
        sep, "{a}={b}", named
    )
