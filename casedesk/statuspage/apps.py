from django.apps import AppConfig


class StatusPageConfig(AppConfig):
    """The public status pages, their feeds and the subscription pages: a channel over the
    status domain, which knows nothing of them."""

    name = "casedesk.statuspage"
    verbose_name = "Public status pages"
