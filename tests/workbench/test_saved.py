"""Saved views (personal or a team's) and saved replies with placeholders."""

from __future__ import annotations

import pytest

from casedesk.core.errors import NotFound, Refused
from casedesk.workbench import replies, saved_views
from casedesk.workbench.models import SavedReply
from tests.factories import (
    ContactFactory,
    OrganisationFactory,
    StaffFactory,
    TeamFactory,
    UserFactory,
    make_case,
)

pytestmark = pytest.mark.django_db


def test_a_view_keeps_the_filters_not_the_page_and_a_same_name_replaces_it():
    agent = StaffFactory()
    view = saved_views.save_view(
        agent, name=" P1s ", queue="open", query="priority=P1&page=4&q=&sort=-opened"
    )
    assert (view.name, view.query) == ("P1s", "priority=P1&sort=-opened")
    again = saved_views.save_view(agent, name="P1s", queue="team", query="priority=P2")
    assert again.pk == view.pk and again.queue == "team"
    assert list(saved_views.views_for(agent)) == [again]


def test_a_team_view_is_seen_by_the_team_and_only_a_member_shares_it():
    cloud, voice = TeamFactory(name="Cloud"), TeamFactory(name="Voice")
    theo, tina, outsider = StaffFactory(), StaffFactory(), StaffFactory()
    cloud.members.add(theo, tina)
    shared = saved_views.save_view(theo, name="Unassigned", queue="team", query="", team=cloud)
    mine = saved_views.save_view(theo, name="Mine", queue="mine", query="")
    assert set(saved_views.views_for(tina)) == {shared}
    assert set(saved_views.views_for(theo)) == {shared, mine}
    assert list(saved_views.views_for(outsider)) == []
    with pytest.raises(Refused, match="not in the Voice team"):
        saved_views.save_view(theo, name="X", queue="open", query="", team=voice)
    with pytest.raises(Refused, match="name is required"):
        saved_views.save_view(theo, name="  ", queue="open", query="")
    with pytest.raises(Refused, match="No queue"):
        saved_views.save_view(theo, name="Y", queue="nowhere", query="")


def test_only_the_owner_or_the_team_removes_a_view():
    cloud = TeamFactory()
    theo, tina, other = StaffFactory(), StaffFactory(), StaffFactory()
    cloud.members.add(theo, tina)
    personal = saved_views.save_view(theo, name="Mine", queue="mine", query="")
    shared = saved_views.save_view(theo, name="Team", queue="team", query="", team=cloud)
    with pytest.raises(NotFound):
        saved_views.delete_view(tina, personal.pk)
    with pytest.raises(NotFound):
        saved_views.delete_view(other, shared.pk)
    saved_views.delete_view(tina, shared.pk)
    saved_views.delete_view(theo, personal.pk)
    assert list(saved_views.views_for(theo)) == []


def test_saved_replies_fill_their_placeholders_and_leave_unknown_ones():
    cloud = TeamFactory(name="Cloud")
    agent = StaffFactory(first_name="Theo", last_name="Tran")
    cloud.members.add(agent)
    org = OrganisationFactory(name="Acme Dental")
    user = UserFactory()
    ContactFactory(organisation=org, user=user, email=user.email, name="Dana Reyes", is_secondary_mpoc=True)
    case = make_case(by=user, title="Phones down")
    SavedReply.objects.create(
        title="Hello",
        body="Hi {contact.first_name}, {case.number} ({organisation.name}). "
        "{agent.first_name} {unknown.thing} {case.__class__}",
    )
    SavedReply.objects.create(title="Team", body="Cloud here", team=cloud)
    SavedReply.objects.create(title="Not ours", body="x", team=TeamFactory())
    SavedReply.objects.create(title="Someone's", body="x", owner=StaffFactory())
    filled = replies.filled_for(agent, case)
    assert [r["title"] for r in filled] == ["Hello", "Team"]
    assert filled[0]["text"] == (
        f"Hi Dana, {case.number} (Acme Dental). Theo {{unknown.thing}} {{case.__class__}}"
    )
