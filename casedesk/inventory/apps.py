from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "casedesk.inventory"
    label = "inventory"
    verbose_name = "Service inventory"
