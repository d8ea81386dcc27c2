from typing import Any

from django.core.management.base import BaseCommand

from casedesk.site import demo


class Command(BaseCommand):
    help = "Load the fictional demo data (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo.seed()
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for email, what in logins:
            self.stdout.write(f"  {email:<34} {what}")
        self.stdout.write(
            "admin@ and bea@support.example.com sign in with a second factor: authenticator key "
            f"{demo.DEMO_TOTP_SECRET} (time-based, 6 digits), or the code now from "
            "`.venv/bin/python manage.py demo_code`."
        )
