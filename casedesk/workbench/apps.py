from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "casedesk.workbench"
    label = "workbench"
