from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _rerender_after_migrate(**_: Any) -> None:
    # Stored pages were rendered by the code before this upgrade; every deployment runs
    # migrate, so the next request renders them with the new templates.
    from casedesk.status import versions

    versions.changed()


class StatusConfig(AppConfig):
    name = "casedesk.status"
    verbose_name = "Network status"

    def ready(self) -> None:
        post_migrate.connect(_rerender_after_migrate, sender=self, dispatch_uid="status-rerender")
