"""Process health endpoints for load balancers and orchestrators, and the styleguide."""

import hmac
from datetime import timedelta
from types import SimpleNamespace

import redis
from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from plenary.celery import app as celery_app
from plenary.heartbeat import heartbeats
from plenary.observability import scrape
from plenary.outbox.metrics import OutboxCollector
from plenary.outbox.selectors import outbox_lag

# The decision statuses (feedback.models.Status) and "awaiting" (no decision yet): the
# styleguide's colour swatches, in the ledger's order.  Spelled out here because the
# platform does not import the apps; tests/plenary/test_styleguide.py checks they match.
STATUSES = [
    "accepted",
    "partly_accepted",
    "not_accepted",
    "noted",
    "out_of_scope",
    "duplicate",
    "",
]


@never_cache
def healthz(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Can this web process serve requests: the database answers, and the broker too
    when one is configured.  Only those two make it 503: a web process is not pulled
    out of the load balancer because a worker, beat or the relay is down.

    It also reports the outbox lag and the background processes' heartbeats
    (plenary/heartbeat.py); with ``?strict=1`` a stale heartbeat, or an outbox
    row waiting longer than ``PLENARY_OUTBOX_LAG_SECONDS``, makes it 503 too, for a
    monitor that watches the whole deployment (docs/OPERATIONS.md, "Health").
    """
    checks: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    broker_mode = settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    if broker_mode:
        checks["broker"] = _redis_answers(settings.CELERY_BROKER_URL)
    else:
        checks["broker"] = "inline (no broker configured)"
    if settings.REDIS_URL:
        # Reported, never failing: the cache fails open (plenary/cache.py).
        checks["cache"] = _redis_answers(settings.REDIS_URL)
    ready = not any(str(checks[name]).startswith("error") for name in ("database", "broker"))
    degraded: list[str] = []
    if checks["database"] == "ok":
        checks["outbox"] = lag = outbox_lag()
        oldest = lag["oldest_pending_seconds"]
        if oldest is not None and oldest > settings.PLENARY_OUTBOX_LAG_SECONDS:
            degraded.append("outbox")
    if broker_mode:
        checks["heartbeats"] = beats = heartbeats()
        degraded += [name for name, beat in beats.items() if not beat["fresh"]]
    strict = request.GET.get("strict") in {"1", "true", "yes"}
    if strict and degraded:
        ready = False
    status = "unavailable" if not ready else ("degraded" if degraded else "ok")
    return JsonResponse(
        {"status": status, **checks, "degraded": degraded}, status=200 if ready else 503
    )


@never_cache
@require_GET
def metrics(request):
    """Prometheus metrics (plenary/observability): 404 unless PLENARY_METRICS_TOKEN is
    set, 401 without ``Authorization: Bearer <that token>``."""
    token = settings.PLENARY_METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _space, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    # Every task module, as a worker imports them: a task never run here is still listed.
    celery_app.loader.import_default_modules()
    body = scrape.render(task_names=list(celery_app.tasks), collectors=[OutboxCollector()])
    return HttpResponse(body, content_type=scrape.CONTENT_TYPE)


def _redis_answers(url: str) -> str:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


class StyleguideForm(forms.Form):
    """A form shown sent with mistakes on the styleguide (never saved)."""

    name = forms.CharField(label=_("Name"), max_length=20)
    comment = forms.CharField(label=_("Your comment"), widget=forms.Textarea)

    def clean(self):
        cleaned = super().clean()
        self.add_error(None, _("Please correct the errors below."))
        return cleaned


def styleguide(request):
    """The design system (static/css/plenary.css), each component drawn by the same
    template include the pages use, with sample data made here: no database read or
    write, so it is public and cacheable."""
    now = timezone.now()
    day = timedelta(days=1)
    rounds = [
        SimpleNamespace(
            number=1, title=_("Open input"), opens_at=now - 90 * day, closes_at=now - 60 * day
        ),
        SimpleNamespace(
            number=2, title=_("Public comment"), opens_at=now - 10 * day, closes_at=now + 20 * day
        ),
        SimpleNamespace(
            number=3, title=_("Final review"), opens_at=now + 60 * day, closes_at=now + 90 * day
        ),
    ]
    timeline = [
        SimpleNamespace(round=rounds[0], state="past"),
        SimpleNamespace(round=rounds[1], state="current"),
        SimpleNamespace(round=rounds[2], state="next"),
    ]
    form = StyleguideForm({"name": "x" * 21, "comment": ""})
    form.is_valid()
    page = Paginator(list(range(100)), 10).page(3)
    tallies = [
        SimpleNamespace(
            question=SimpleNamespace(ordinal=1, text=_("Should the fee be waived?"), kind="single"),
            options=[(_("Yes"), 31), (_("No"), 9), (_("Not sure"), 4)],
            total=44,
        )
    ]
    return render(
        request,
        "plenary/styleguide.html",
        {
            "statuses": STATUSES,
            "timeline": timeline,
            "form": form,
            "page": page,
            "tallies": tallies,
            "decisions": [(status, n) for n, status in enumerate(STATUSES, start=1)],
        },
    )
