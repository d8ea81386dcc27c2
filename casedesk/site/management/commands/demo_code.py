from typing import Any

from django.core.management.base import BaseCommand

from casedesk.site import demo


class Command(BaseCommand):
    help = "Print the current code of the published demo authenticator key (demo logins only)."

    def handle(self, *args: Any, **options: Any) -> None:
        code, seconds = demo.demo_code()
        self.stdout.write(f"{code}  (valid for {seconds} s more; key {demo.DEMO_TOTP_SECRET})")
