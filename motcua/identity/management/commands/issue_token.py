from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.identity.models import ApiToken, User


class Command(BaseCommand):
    help = "Print a bearer token for a demo user (only with the demo identity provider enabled)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        if not settings.DEMO_IDP_ENABLED:
            raise CommandError("the demo identity provider is disabled (DEMO_IDP_ENABLED=false); log in through OIDC")
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}; see `motcua demo-users`")
        self.stdout.write(ApiToken.issue(user, label="issue-token"))
