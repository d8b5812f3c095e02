"""``manage.py seed_demo``: the demo consultations, built from plenary/demo/data.

Idempotent: if the demo consultation already exists, the command says so and
changes nothing.  The loader (plenary/demo/load.py) does the work.
"""

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from plenary.demo import load


class Command(BaseCommand):
    help = (
        "Create the demo consultations, accounts, comments and published decisions "
        "(does nothing if the demo consultation already exists)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-mail",
            action="store_true",
            help=(
                "Keep the mails about the demo comments (receipts) and decisions in memory "
                "instead of sending them through EMAIL_URL (by default the console). Has no "
                "effect when a Celery worker sends the mails (REDIS_URL set)."
            ),
        )

    def handle(self, *args, quiet_mail: bool, **options):
        mail = {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
        with override_settings(**(mail if quiet_mail else {})):
            load.seed_demo(stdout=self.stdout, style=self.style)
