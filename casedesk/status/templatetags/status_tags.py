from typing import Any

from django import template

from casedesk.status.models import MasterChild

register = template.Library()


@register.simple_tag
def master_case_of(case: Any) -> Any:
    """The master case a case is part of, or None. A page that read the case with
    `in_master` (whether it is a master's child) reads the link only for a child."""
    if getattr(case, "in_master", True) is False:
        return None
    link = MasterChild.objects.select_related("master", "master__incident").filter(case_id=case.pk).first()
    return link.master if link else None
