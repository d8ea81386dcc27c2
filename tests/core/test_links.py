"""`{% url %}`, `{% static %}` and the Python pages' `reverse` keep the addresses they work
out, and give what Django's would, whatever the arguments, prefix or URL configuration."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix
from django.urls import reverse as django_reverse

from casedesk.core import links


def render(text: str, **context) -> str:
    return Template(text).render(Context(context))


@pytest.mark.parametrize("number", ["CS-000001", "CS-000002", "CS-<b>"])
def test_url_tags_give_what_django_gives_for_each_argument(number):
    expected = django_reverse("console:case", args=[number])
    escaped = expected.replace("<", "&lt;").replace(">", "&gt;")
    assert render("{% url 'console:case' n %}", n=number) == escaped
    assert render("{% url 'console:case' n as u %}[{{ u }}]", n=number).endswith("]")
    assert links.reverse("console:case", args=[number]) == expected


def test_the_script_prefix_and_the_url_configuration_are_part_of_the_key():
    plain = links.reverse("console:queue")
    try:
        set_script_prefix("/desk/")
        assert links.reverse("console:queue") == "/desk/" + plain.lstrip("/")
        assert render("{% url 'console:queue' %}") == "/desk/" + plain.lstrip("/")
    finally:
        clear_script_prefix()
        set_script_prefix("/")
    assert links.reverse("console:queue") == plain
    with override_settings(ROOT_URLCONF="tests.core.urls_without_console"), pytest.raises(NoReverseMatch):
        links.reverse("console:queue")


def test_an_unknown_name_raises_and_as_var_gives_nothing():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    assert render("{% url 'no-such-page' as u %}[{{ u }}]") == "[]"


def test_static_gives_the_storages_address():
    assert render("{% static 'casedesk/casedesk.css' %}") == staticfiles_storage.url("casedesk/casedesk.css")
    with override_settings(STATIC_URL="/elsewhere/"):
        assert render("{% static 'casedesk/casedesk.css' %}").startswith("/elsewhere/")
