"""Benchmark: the impersonation check of a display name, with 1,000 and 100,000 names.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/display_names.py

Creates a throw-away database (``plenary_bench_names`` on the server DATABASE_URL
names; ``--database`` to change it, dropped at the end unless ``--keep``), and
for each size N (``--sizes``) builds N participants and N/10 verified
organisations.  It then times, interleaved round-robin so that a busy machine
slows every variant alike:

* exact: the check as it was before (one case-insensitive ``exists()`` on each
  table), the floor: what any name check costs;
* check: ``stakeholders.registry.services.check_display_name`` for a new name: one
  indexed lookup of its ``name_key`` on each table (``names.NameKeyField``);
* key:   ``name_key`` alone over the same N names in memory (what the check
  cost when it had no stored key and folded every name on each save).

It prints p50 and p95 in milliseconds and asserts nothing about time.  The
rows are bulk-created; ``NameKeyField.pre_save`` fills their keys.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.thread import bench_url, create_database, django_setup, drop_database  # noqa: E402

NEW_NAME = "A brand new pseudonym"


def build(size: int) -> None:
    from django.utils import timezone

    from stakeholders.models import Organisation, Participant, StakeholderGroup, User

    group = StakeholderGroup.objects.order_by("ordinal").first()
    start = User.objects.count()
    users = User.objects.bulk_create(
        [User(email=f"bench{start + i}@example.org") for i in range(size)], batch_size=5000
    )
    Participant.objects.bulk_create(
        [
            Participant(user=u, display_name=f"Bench person {start + i}", group=group, country="KE")
            for i, u in enumerate(users)
        ],
        batch_size=5000,
    )
    now = timezone.now()
    Organisation.objects.bulk_create(
        [
            Organisation(name=f"Bench organisation {start + i}", group=group, verified_at=now)
            for i in range(size // 10)
        ],
        batch_size=5000,
    )


def exact(name: str) -> bool:
    from stakeholders.models import Organisation, Participant

    return (
        Organisation.objects.filter(name__iexact=name, verified_at__isnull=False).exists()
        or Participant.objects.filter(display_name__iexact=name).exists()
    )


def check(name: str) -> str:
    from stakeholders.registry.services import check_display_name

    return check_display_name(display_name=name, exclude_participant_id=None)


def keys_only(names: list[str]) -> int:
    from stakeholders.names import name_key

    return sum(len(name_key(n)) for n in names)


def measure(cases: dict, repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _round in range(repeat):
        for label, call in cases.items():
            started = time.perf_counter()
            call()
            times[label].append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="plenary_bench_names")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url = bench_url(os.environ.get("DATABASE_URL", ""), args.database)
    create_database(url)
    django_setup(url)
    try:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        built = 0
        print(f"{'names':>8} {'variant':<8} {'p50 ms':>8} {'p95 ms':>8}")
        for size in sorted(args.sizes):
            build(size - built)
            built = size
            from stakeholders.models import Participant

            names = list(Participant.objects.values_list("display_name", flat=True))
            times = measure(
                {
                    "exact": lambda: exact(NEW_NAME),
                    "check": lambda: check(NEW_NAME),
                    "key": lambda names=names: keys_only(names),
                },
                args.repeat,
            )
            for label, values in times.items():
                values.sort()
                p95 = values[max(0, int(len(values) * 0.95) - 1)]
                print(f"{size:>8} {label:<8} {statistics.median(values):>8.2f} {p95:>8.2f}")
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
