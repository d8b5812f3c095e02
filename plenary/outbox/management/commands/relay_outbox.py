import time

from django.core.management.base import BaseCommand

from plenary.heartbeat import heartbeat_record
from plenary.outbox import services


class Command(BaseCommand):
    help = "Publish pending outbox rows to Celery (once, or in a loop with --loop)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep relaying until stopped")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    def handle(self, *args, loop: bool, interval: float, **options):
        while True:
            count = services.relay()
            if loop:
                # Once per pass: a relay stuck on the database or the broker stops beating.
                heartbeat_record("relay")
            if count:
                self.stdout.write(f"relayed {count}")
            if not loop:
                return
            time.sleep(interval)
