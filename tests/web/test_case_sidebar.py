"""The console case page's side forms are rendered without Django's form widgets: they
offer what the forms offered (from the lists the page read), escape every name and title,
and still post to forms that parse and validate."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from casedesk.accounts.models import EscalationContact
from casedesk.accounts.permissions import abilities_of
from casedesk.cases import actions
from casedesk.cases.models import Case
from casedesk.web import case_page
from casedesk.web.forms import DetailsForm, DispositionForm
from tests.factories import (
    ManagerFactory,
    OrganisationFactory,
    PlatformFactory,
    StaffFactory,
    TeamFactory,
    customer,
    make_case,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


class Controls(HTMLParser):
    """The inputs and selects (with their options) of the form with `form_id`, or of the
    whole text when it is None: what a browser would send and show."""

    def __init__(self, form_id: str | None = None) -> None:
        super().__init__()
        self.form_id, self.inside = form_id, form_id is None
        self.found: list[tuple[str, dict[str, str | None], list[list[str | bool | None]]]] = []
        self._option: list[str | bool | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = values.get("id") == self.form_id
        if not self.inside:
            return
        if tag in ("input", "select", "textarea") and values.get("name") != "csrfmiddlewaretoken":
            self.found.append((tag, values, []))
        elif tag == "option":
            self._option = [values.get("value"), "selected" in values, ""]
            self.found[-1][2].append(self._option)

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option[2] = str(self._option[2]) + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._option = None
        elif tag == "form" and self.form_id is not None:
            self.inside = False


def controls(html: str, form_id: str | None = None) -> list[tuple[str, dict[str, str | None], list]]:
    parser = Controls(form_id)
    parser.feed(html)
    return parser.found


@pytest.fixture
def desk():
    team = TeamFactory(name=f"Cloud {HOSTILE}")
    TeamFactory(name="alpha")
    boss = ManagerFactory(first_name=f'"><img src=x onerror=alert(1)>{HOSTILE}', last_name="Boss")
    team.members.add(boss)
    StaffFactory(first_name="Zed", last_name="Tech")
    platform = PlatformFactory(name=f"Voice {HOSTILE}", team=team)
    org = OrganisationFactory(name=f"Acme {HOSTILE}", platforms=[platform])
    user = customer(org)
    case = make_case(by=user, platform=platform, title=f"Down {HOSTILE}")
    actions.disposition(case, by=boss, priority="P3", team=team, assignee=None)
    case = Case.objects.get(pk=case.pk)
    actions.update_details(
        case,
        by=boss,
        vendor=f'"onmouseover="x {HOSTILE}',
        vendor_ticket="T-1",
        etr=timezone.make_aware(datetime(2030, 3, 29, 14, 30, 15, 123456)),
        shipping_carrier="",
        tracking_number="",
    )
    actions.link_related(Case.objects.get(pk=case.pk), make_case(by=user, title=f"Twin {HOSTILE}"), by=boss)
    EscalationContact.objects.create(organisation=org, position=1, name=f"Esc {HOSTILE}", title=HOSTILE)
    client = Client()
    client.force_login(boss)
    return {"case": Case.objects.get(pk=case.pk), "boss": boss, "client": client, "team": team}


def _page(desk) -> str:
    response = desk["client"].get(f"/console/cases/{desk['case'].number}/")
    assert response.status_code == 200
    return response.content.decode()


def test_every_name_and_title_in_the_side_forms_is_escaped(desk):
    page = _page(desk)
    assert HOSTILE not in page and "<img src=x" not in page and '"onmouseover="' not in page
    aside = page[page.index("<aside>") :]
    # The team and staff options, the platform option, the case's title, the vendor, the
    # linked case, the escalation contact and the organisation, each escaped.
    assert aside.count(ESCAPED) >= 9, aside.count(ESCAPED)
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in aside


def test_the_side_forms_offer_what_the_forms_offered(desk):
    """The disposition and details controls are the ones Django's widgets rendered for the
    same choices and values: names, ids, types, lengths, options, what is selected."""
    case, boss = desk["case"], desk["boss"]
    page = _page(desk)
    lists = case_page.lists(case, boss, {"team", "staff"})
    form = DispositionForm(
        held=abilities_of(boss),
        current=case.priority,
        initial={"priority": case.priority, "team": case.team_id, "assignee": case.assignee_id},
    )
    form.offer(teams=lists.teams, staff=lists.staff)
    expected = "".join(str(form[name]) for name in ("priority", "team", "assignee"))
    shown = controls(page, "disposition")
    assert shown == controls(expected)
    # No assignee yet: the empty choice is selected; the team is.
    assert [o[0] for o in shown[2][2] if o[1]] == [""]
    assert [o[2] for o in shown[1][2] if o[1]] == [desk["team"].name]
    assert len(shown[1][2]) == 3 and len(shown[2][2]) == 1 + len(lists.staff)

    details = DetailsForm(
        initial={
            "vendor": case.vendor,
            "vendor_ticket": case.vendor_ticket,
            "etr": case.etr,
            "shipping_carrier": case.shipping_carrier,
            "tracking_number": case.tracking_number,
        }
    )
    expected = "".join(str(field) for field in details)
    assert controls(page, "details") == controls(expected)
    assert controls(page, "details")[2][1]["value"] == "2030-03-29 14:30:15"  # the reader's clock


def test_the_side_forms_still_post_and_validate(desk):
    client, case, team = desk["client"], desk["case"], desk["team"]
    url = f"/console/cases/{case.number}/"
    staff = Case._meta.get_field("assignee").related_model.objects.get(first_name="Zed")
    saved = client.post(url + "disposition/", {"priority": "P2", "team": team.pk, "assignee": staff.pk})
    assert saved.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert (case.priority, case.team_id, case.assignee_id) == ("P2", team.pk, staff.pk)
    # A team that is not in the table is refused by the form, and the page shows again.
    refused = client.post(url + "disposition/", {"priority": "P2", "team": 999_999})
    assert refused.status_code == 400 and 'id="disposition"' in refused.content.decode()
    # A refused status change keeps what was chosen and typed, escaped.
    refused = client.post(url + "transition/", {"to": "on_hold", "note": HOSTILE})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert '<option value="on_hold" selected>' in page
    assert f'<textarea name="note" rows="2">{ESCAPED}</textarea>' in page
    saved = client.post(url + "details/", {"vendor": "Acme Parts", "etr": "2030-04-01T09:15"})
    assert saved.status_code == 302
    assert 'name="vendor" value="Acme Parts"' in _page(desk)
    assert 'name="etr" value="2030-04-01 09:15:00"' in _page(desk)
