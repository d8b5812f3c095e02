"""Benchmark: what the observability middleware costs a bare view (not run in CI).

    .venv/bin/python bench/observability.py [--requests 3000]

One process, Django's test client through the whole middleware stack (DEBUG
off, SQLite, no Redis), a view returning ``HttpResponse("ok")``; JSON logging
on, written to /dev/null.  Three variants, interleaved round-robin so a busy
machine slows each alike:

* without: ``MIDDLEWARE`` less ``ObservabilityMiddleware``;
* logs:    with it, metrics off (request id, access line);
* metrics: with it and ``PLENARY_METRICS_TOKEN`` set (also the query counter
  and the three series).

Prints p50 and p95 per request in microseconds, and the difference of the
medians.  It asserts nothing about time.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MIDDLEWARE_NAME = "plenary.observability.middleware.ObservabilityMiddleware"


def bare(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def _urlpatterns():
    from django.urls import path

    return [path("bench/bare/", bare)]


def __getattr__(name):  # Django is not set up at import time
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["PLENARY_LOG_FORMAT"] = "json"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client, override_settings

    with open(os.devnull, "w") as sink:
        for handler in logging.getLogger().handlers:
            handler.setStream(sink)  # type: ignore[attr-defined]
        without = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE_NAME]
        variants = {
            "without": override_settings(
                ROOT_URLCONF="bench.observability", MIDDLEWARE=without, PLENARY_METRICS_TOKEN=""
            ),
            "logs": override_settings(ROOT_URLCONF="bench.observability", PLENARY_METRICS_TOKEN=""),
            "metrics": override_settings(
                ROOT_URLCONF="bench.observability",
                PLENARY_METRICS_TOKEN="bench",  # noqa: S106
            ),
        }
        clients = {}
        for name, override in variants.items():
            with override:
                clients[name] = Client()
                clients[name].get("/bench/bare/")  # load the middleware chain
        timings: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.requests):
            for name, override in variants.items():
                with override:
                    started = time.perf_counter()
                    response = clients[name].get("/bench/bare/")
                    timings[name].append(time.perf_counter() - started)
                    assert response.status_code == 200
    print(f"bare view, {args.requests} requests each, JSON logging to /dev/null")
    medians = {}
    for name, values in timings.items():
        values.sort()
        medians[name] = statistics.median(values) * 1e6
        p95 = values[int(len(values) * 0.95)] * 1e6
        print(f"  {name:8} p50 {medians[name]:7.0f} us   p95 {p95:7.0f} us")
    for name in ("logs", "metrics"):
        print(f"  {name} - without: {medians[name] - medians['without']:+.0f} us at the median")


if __name__ == "__main__":
    main()
