from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casedesk.accounts.models import User
from casedesk.signin import factors
from casedesk.signin.models import SignInSession


class Command(BaseCommand):
    help = (
        "For someone who lost both their authenticator and their recovery codes: remove their "
        "second factor and end their sessions; they set up a new one at their next sign-in."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"No account signs in with {options['email']}.")
        factors.turn_off(user)
        ended, _ = SignInSession.objects.filter(user=user).delete()
        self.stdout.write(f"{user.email}: second factor removed, {ended} session(s) ended.")
