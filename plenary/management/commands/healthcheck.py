"""``manage.py healthcheck worker|beat|relay|web``: exit 0 when that process is healthy.

The compose healthchecks run it inside each container (docker-compose.yml).
worker, beat and relay: this host's heartbeat (plenary/heartbeat.py) is fresh.
web: /readyz on this host answers 200.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from plenary.heartbeat import heartbeat_age, is_fresh, worker_name


class Command(BaseCommand):
    help = "Exit non-zero unless this host's worker, beat, relay or web process is healthy."

    def add_arguments(self, parser):
        parser.add_argument("process", choices=["worker", "beat", "relay", "web"])
        parser.add_argument(
            "--queue", default="celery", help="worker: the queue it consumes (default celery)"
        )
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/readyz",
            help="web: the readiness URL on this host",
        )

    def handle(self, *args, process: str, queue: str, url: str, **options):
        if process == "web":
            self.check_web(url)
            return
        name = worker_name(queue) if process == "worker" else process
        age = heartbeat_age(name, this_host=True)
        if not is_fresh(age):
            seen = "never" if age is None else f"{age:.0f} s ago"
            raise CommandError(
                f"{name}: last heartbeat on this host {seen} "
                f"(stale after {settings.PLENARY_HEARTBEAT_STALE_SECONDS:.0f} s)"
            )
        self.stdout.write(f"{name}: heartbeat {age:.1f} s ago")

    def check_web(self, url: str) -> None:
        # The request must pass ALLOWED_HOSTS, which need not list 127.0.0.1.
        host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if "*" not in h), "localhost")
        request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 (http(s) URL of this host)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                body = json.load(response)
        except urllib.error.HTTPError as exc:
            raise CommandError(f"web: {url} answered {exc.code}") from exc
        except (OSError, ValueError) as exc:
            raise CommandError(f"web: {url} did not answer ({exc})") from exc
        self.stdout.write(f"web: {body.get('status')}")
