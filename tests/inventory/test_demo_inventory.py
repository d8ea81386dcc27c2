import pytest

from casedesk.inventory.models import ChargeEvent, Item, ItemEvent
from casedesk.site import demo

pytestmark = pytest.mark.django_db


def test_the_demo_organisations_have_a_small_inventory_made_through_the_action():
    demo.seed()
    demo.seed()  # idempotent
    assert Item.objects.count() == 3 * 16
    assert ItemEvent.objects.count() == Item.objects.count()
    assert ChargeEvent.objects.exists()
    assert Item.objects.filter(kind="number", key="+17205550101").exists()
