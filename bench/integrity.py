"""Benchmark: a replayed campaign attack, and how much of it the secretariat's tools surface.

    .venv/bin/python bench/integrity.py [--attack 50000] [--genuine 5000] [--seed 7]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/integrity.py

Builds, straight into a throw-away database (SQLite in a temporary directory, or
``plenary_bench_integrity`` on the PostgreSQL server DATABASE_URL names, dropped at
the end), one open consultation with:

- the **attack**: ``--attack`` templated submissions (five templates, each copy with
  a few words swapped for synonyms and a salutation and sign-off drawn from lists)
  from 40 accounts created within 20 minutes of each other, from 5 networks; 95 %
  arrive in bursts (100 submissions within 60 seconds from one network, accounts
  round-robin), the other 5 % trickle in one at a time over the whole period;
- the **genuine** input: ``--genuine`` submissions in different styles (a line, a
  paragraph, a numbered list, a question; 8 to 220 words drawn from a large
  vocabulary) from accounts created any time in the past three years, over 30
  days, 90 % from networks of their own and 10 % from 20 shared ones (offices).

Set-up is bulk inserts (``bulk_create``; ``created_at`` set with ``bulk_update``
since the field is ``auto_now_add``), not the services: it is data, not a test of
the door.  Network hashes are the real ``comments.provenance.network.network_hash``
of made-up addresses (TEST-NET and documentation ranges).

Then it times the campaign clustering job alone (``clusters_rebuild``) and the
whole surfacing (the clustering job, then ``feedback.provenance.selectors.bursts_of``)
and prints the share of attack submissions surfaced (in a burst or a campaign
cluster; goal at least 0.95) and of genuine ones wrongly surfaced (goal at most
0.01).  Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ATTACK_ACCOUNTS = 40
ATTACK_NETWORKS = 5
BURST_SIZE = 100
BURST_SECONDS = 60
TRICKLE_SHARE = 0.05
SHARED_NETWORKS = 20
PERIOD = timedelta(days=30)

TEMPLATES = [
    "The unprecedented regulatory power the {agency} imposed on the {sector} is "
    "{bad} for {people}. I {ask} the {body} to {undo} those rules and return to the "
    "light touch framework that let the {sector} grow and invest for two decades.",
    "I am {concerned} that the draft {gives} the {agency} control over the {sector}. "
    "Such rules {harm} investment, {harm} innovation and {harm} jobs across the country. "
    "Please {undo} this proposal and let the market decide.",
    "As a {citizen} I {ask} you to {protect} the open internet. The {sector} must not "
    "be allowed to block, throttle or sell priority to those who pay the most. "
    "Keep the rules as they are and {enforce} them.",
    "Government control of the {sector} is {bad} for {people}. The {body} should "
    "{undo} the plan, stop the {agency} from regulating prices and {protect} "
    "consumers through competition instead of {rules}.",
    "This consultation must hear that {people} {oppose} the section on licensing. "
    "It {gives} the {agency} powers no legislature granted and it will {harm} small "
    "providers first. {undo_cap} it now.",
]
SLOTS = {
    "agency": ["Commission", "regulator", "agency", "ministry"],
    "sector": ["internet", "broadband market", "network sector", "telecom industry"],
    "bad": ["bad", "harmful", "damaging", "wrong"],
    "people": ["consumers", "families", "small businesses", "everyone"],
    "ask": ["urge", "ask", "call on", "implore"],
    "body": ["secretariat", "commission", "government", "authorities"],
    "undo": ["repeal", "reverse", "withdraw", "scrap"],
    "undo_cap": ["Repeal", "Reverse", "Withdraw", "Scrap"],
    "concerned": ["concerned", "worried", "alarmed", "troubled"],
    "gives": ["gives", "hands", "grants", "awards"],
    "harm": ["hurt", "harm", "damage", "stifle"],
    "citizen": ["citizen", "voter", "taxpayer", "resident"],
    "protect": ["protect", "defend", "preserve", "safeguard"],
    "enforce": ["enforce", "apply", "uphold", "keep"],
    "oppose": ["oppose", "reject", "object to", "disagree with"],
    "rules": ["rules", "regulation", "red tape", "mandates"],
}
GREETINGS = ["", "Dear Commissioners,", "To whom it may concern,", "Hello,", "Dear Sir or Madam,"]
SIGN_OFFS = ["", "Thank you.", "Sincerely,", "Regards.", "Thanks for reading."]
SYLLABLES = "ka to ri sen mo la pe du vi an or ex ti qua bel mar son cor fi ne ul go".split()


@dataclass
class Planned:
    """One submission to insert: what it says, who sent it from where and when."""

    attack: bool
    body: str
    account: int  # index into the accounts list
    address: str
    offset: timedelta  # after the start of the period


def attack_text(rng: random.Random) -> str:
    template = rng.choice(TEMPLATES)
    text = template.format(**{slot: rng.choice(words) for slot, words in SLOTS.items()})
    return " ".join(part for part in (rng.choice(GREETINGS), text, rng.choice(SIGN_OFFS)) if part)


def vocabulary(rng: random.Random, size: int = 8000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def genuine_text(rng: random.Random, vocab: list[str]) -> str:
    """A personal submission: a line, a paragraph, a list or a question, in its own words."""

    def words(n: int) -> str:
        return " ".join(rng.choices(vocab, k=n))

    style = rng.choice(("line", "paragraph", "list", "question"))
    if style == "line":
        return words(rng.randint(8, 20)).capitalize() + "."
    if style == "question":
        return f"Why does section {rng.randint(1, 9)} say {words(rng.randint(6, 30))}?"
    if style == "list":
        return "\n".join(
            f"{n}. {words(rng.randint(5, 25))}" for n in range(1, rng.randint(2, 6) + 1)
        )
    return ". ".join(words(rng.randint(8, 25)).capitalize() for _ in range(rng.randint(2, 9)))


def plan(attack: int, genuine: int, *, seed: int) -> tuple[list[Planned], int]:
    """The submissions, in no particular order, and how many genuine accounts they use."""
    rng = random.Random(seed)
    planned: list[Planned] = []
    networks = [f"198.51.{100 + n}" for n in range(ATTACK_NETWORKS)]
    trickle = round(attack * TRICKLE_SHARE)
    in_bursts = attack - trickle
    bursts = max(1, -(-in_bursts // BURST_SIZE))
    for n in range(in_bursts):
        burst = n // BURST_SIZE
        start = PERIOD * (burst + 0.5) / bursts
        planned.append(
            Planned(
                attack=True,
                body=attack_text(rng),
                account=n % ATTACK_ACCOUNTS,
                address=f"{networks[burst % ATTACK_NETWORKS]}.{rng.randint(1, 254)}",
                offset=start + timedelta(seconds=rng.uniform(0, BURST_SECONDS)),
            )
        )
    planned.extend(
        Planned(
            attack=True,
            body=attack_text(rng),
            account=n % ATTACK_ACCOUNTS,
            address=f"{networks[n % ATTACK_NETWORKS]}.{rng.randint(1, 254)}",
            offset=PERIOD * rng.random(),
        )
        for n in range(trickle)
    )
    vocab = vocabulary(rng)
    people = max(1, genuine * 4 // 5)
    shared = [f"10.{n}.{rng.randint(0, 255)}" for n in range(SHARED_NETWORKS)]
    for _n in range(genuine):
        if rng.random() < 0.1:
            address = f"{rng.choice(shared)}.{rng.randint(1, 254)}"
        else:
            address = f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7"
        planned.append(
            Planned(
                attack=False,
                body=genuine_text(rng, vocab),
                account=ATTACK_ACCOUNTS + rng.randrange(people),
                address=address,
                offset=PERIOD * rng.random(),
            )
        )
    return planned, people


def build(consultation, planned: list[Planned], people: int, *, seed: int) -> dict[int, bool]:
    """Insert the accounts, comments and network hashes; return {comment pk: is attack}."""
    from django.db import transaction
    from django.utils import timezone

    from comments.models import Comment, SubmissionNetwork
    from comments.provenance.network import network_hash
    from comments.threads.receipts import new_receipt
    from stakeholders.models import User

    rng = random.Random(seed + 1)
    start = timezone.now() - PERIOD - timedelta(days=1)
    attack_made = start - timedelta(days=2)
    joined = [attack_made + timedelta(seconds=30 * n) for n in range(ATTACK_ACCOUNTS)]
    joined += [start - timedelta(days=rng.uniform(1, 3 * 365)) for _ in range(people)]
    tag = rng.randrange(10**9)
    round_ = consultation.rounds.get()
    sections = list(consultation.versions.get().sections.all())
    with transaction.atomic():
        accounts = User.objects.bulk_create(
            [
                User(email=f"bench-{tag}-{n}@example.org", date_joined=when)
                for n, when in enumerate(joined)
            ],
            batch_size=2000,
        )
        comments = Comment.objects.bulk_create(
            [
                Comment(
                    receipt=new_receipt(),
                    consultation=consultation,
                    round=round_,
                    section=rng.choice(sections),
                    author=accounts[item.account],
                    body=item.body,
                    body_html=item.body,  # not rendered: set-up data
                )
                for item in planned
            ],
            batch_size=2000,
        )
        for comment, item in zip(comments, planned, strict=True):
            comment.created_at = start + item.offset
        Comment.objects.bulk_update(comments, ["created_at"], batch_size=1000)
        SubmissionNetwork.objects.bulk_create(
            [
                SubmissionNetwork(
                    comment=comment,
                    network_hash=network_hash(item.address),
                    created_at=comment.created_at,
                )
                for comment, item in zip(comments, planned, strict=True)
            ],
            batch_size=2000,
        )
    return {comment.pk: item.attack for comment, item in zip(comments, planned, strict=True)}


@dataclass
class Timing:
    """Wall-clock and this process's CPU seconds (the CPU figure is less sensitive to
    other processes on a shared machine; on PostgreSQL it leaves out the server's work)."""

    clustering: float
    whole: float
    clustering_cpu: float
    whole_cpu: float


def surface(consultation) -> tuple[set[int], Timing, int]:
    """Run the clustering job and the burst detection: (surfaced comment pks, the
    clustering job's and the whole surfacing's times, number of bursts)."""
    from feedback.clusters.services import clusters_rebuild
    from feedback.models import CampaignMember
    from feedback.provenance.selectors import bursts_of

    started, cpu_started = time.perf_counter(), time.process_time()
    clusters_rebuild(consultation_id=consultation.pk)
    clustered_at, cpu_clustered_at = time.perf_counter(), time.process_time()
    bursts = bursts_of(consultation=consultation)
    surfaced = {member.key for burst in bursts for member in burst.members}
    surfaced |= set(
        CampaignMember.objects.filter(
            cluster__consultation=consultation, cluster__size__gte=2
        ).values_list("comment_id", flat=True)
    )
    done, cpu_done = time.perf_counter(), time.process_time()
    timing = Timing(
        clustering=clustered_at - started,
        whole=done - started,
        clustering_cpu=cpu_clustered_at - cpu_started,
        whole_cpu=cpu_done - cpu_started,
    )
    return surfaced, timing, len(bursts)  # type: ignore[return-value]


def shares(truth: dict[int, bool], surfaced: set[int]) -> tuple[float, float]:
    """(share of attack submissions surfaced, share of genuine ones surfaced)."""
    attack = [key for key, is_attack in truth.items() if is_attack]
    genuine = [key for key, is_attack in truth.items() if not is_attack]
    caught = sum(1 for key in attack if key in surfaced)
    wrong = sum(1 for key in genuine if key in surfaced)
    return (caught / len(attack) if attack else 0.0, wrong / len(genuine) if genuine else 0.0)


def run(args) -> None:
    from tests.consult.factories import open_consultation
    from tests.stakeholders.factories import convenor

    consultation = open_consultation(secretariat=convenor(email="bench@example.org"))
    planned, people = plan(args.attack, args.genuine, seed=args.seed)
    started = time.perf_counter()
    truth = build(consultation, planned, people, seed=args.seed)
    print(
        f"set-up: {args.attack} attack + {args.genuine} genuine submissions, "
        f"{ATTACK_ACCOUNTS} + {people} accounts, in {time.perf_counter() - started:.1f} s "
        "(bulk inserts)",
        flush=True,
    )
    surfaced, timing, bursts = surface(consultation)
    attack_share, genuine_share = shares(truth, surfaced)
    print(f"load average before: {os.getloadavg()[0]:.1f} (1 min)")
    print(f"bursts found: {bursts}")
    print(f"attack surfaced (burst or cluster): {attack_share:.4f} (goal >= 0.95)")
    print(f"genuine wrongly surfaced:           {genuine_share:.4f} (goal <= 0.01)")
    print(
        f"clustering job alone:               {timing.clustering:.1f} s "
        f"({timing.clustering_cpu:.1f} s CPU in this process)"
    )
    print(
        f"whole surfacing (job + bursts):     {timing.whole:.1f} s "
        f"({timing.whole_cpu:.1f} s CPU) (goal < 120 s)"
    )
    print(
        f"  of which bursts and union:        {timing.whole - timing.clustering:.1f} s "
        f"({timing.whole_cpu - timing.clustering_cpu:.1f} s CPU)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attack", type=int, default=50_000)
    parser.add_argument("--genuine", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", default="plenary_bench_integrity")
    args = parser.parse_args()
    source = os.environ.get("DATABASE_URL", "")
    if source.startswith("postgres"):
        from bench.thread import bench_url, create_database, django_setup, drop_database

        url = bench_url(source, args.database)
        create_database(url)
        django_setup(url)
        try:
            migrate_and_run(args)
        finally:
            drop_database(url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.pop("REDIS_URL", None)
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")
        os.environ.setdefault("PLENARY_LOG_LEVEL", "WARNING")
        import django

        django.setup()
        migrate_and_run(args)


def migrate_and_run(args) -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s", flush=True)
    run(args)


if __name__ == "__main__":
    main()
