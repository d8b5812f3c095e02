"""Open-loop load generator for bench/load/run.py --open-loop (not run on its own).

Requests arrive on a fixed schedule, whatever the latency: comment POSTs at
--post-rate and page reads at --read-rate per second, for --duration seconds.
A closed loop (locust's users, each waiting for its answer) slows down with the
server and so hides a queue; here a slow server only makes requests pile up,
as real participants' would.  Each request is a greenlet started at its
scheduled time on a connection of its own (as behind a proxy), and its latency
is counted from that scheduled time, so time spent waiting in the generator is
charged to the server rather than hidden ("coordinated omission").

A request is *lost* when it could not be started within --late seconds of its
time (the generator fell behind, or --max-in-flight requests were already
open) or did not complete within --timeout seconds; an *error* is an answer
other than the one expected (201 for a POST, 200 for a read) or a refused or
reset connection.  Writes a JSON summary to --out: per kind, the latencies (ms)
of the successful requests and the counts; with --receipts, the receipts of
every 201.

With --bare, the same schedule goes to /bench/bare/ (no database, a few bytes):
what the generator, the loopback and gunicorn cost on their own.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 (after monkey-patching, as gevent requires)
import http.client  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import gevent  # noqa: E402
from gevent.pool import Pool  # noqa: E402

WORDS = (
    "access community network spectrum licence affordable rural backhaul operator "
    "infrastructure fund municipal open data privacy interconnection tower fibre"
).split()
POST, READ = "POST comment", "GET page"


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="http://host:port of the server")
    parser.add_argument("--fixture", required=True, help="run.py's fixture.json")
    parser.add_argument("--post-rate", type=float, required=True, help="comment POSTs per second")
    parser.add_argument("--read-rate", type=float, required=True, help="page reads per second")
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--arrivals", choices=("uniform", "poisson"), default="uniform")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--late", type=float, default=1.0)
    parser.add_argument("--max-in-flight", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--bare", action="store_true")
    parser.add_argument("--out", required=True)
    parser.add_argument("--receipts")
    return parser.parse_args()


def schedule(rate: float, duration: float, arrivals: str, rng: random.Random) -> list[float]:
    """Offsets in seconds from the start: evenly spaced, or a Poisson process."""
    if rate <= 0:
        return []
    if arrivals == "uniform":
        return [n / rate for n in range(int(rate * duration))]
    times, t = [], rng.expovariate(rate)
    while t < duration:
        times.append(t)
        t += rng.expovariate(rate)
    return times


class Generator:
    def __init__(self, args):
        self.args = args
        fixture = json.loads(open(args.fixture).read())
        self.slug, self.sections = fixture["slug"], fixture["sections"]
        self.tokens = fixture["tokens"]
        self.rng = random.Random(args.seed)
        parts = urlsplit(args.base)
        self.host, self.port = parts.hostname, parts.port
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.counts: dict[str, dict[str, int]] = defaultdict(
            lambda: {"scheduled": 0, "ok": 0, "errors": 0, "late": 0, "timed_out": 0}
        )
        self.error_samples: list[str] = []
        self.receipts: list[str] = []
        self.pool = Pool(args.max_in_flight)
        self.next_token = 0

    def request_for(self, kind: str) -> tuple[str, str, bytes | None, dict[str, str], int]:
        if self.args.bare:
            return "GET", "/bench/bare/", None, {}, 200
        if kind == READ:
            if self.rng.random() < 0.25:
                return "GET", f"/c/{self.slug}/", None, {}, 200
            return "GET", f"/c/{self.slug}/s/{self.rng.choice(self.sections)}/", None, {}, 200
        token = self.tokens[self.next_token % len(self.tokens)]
        self.next_token += 1
        text = " ".join(self.rng.choices(WORDS, k=self.rng.randint(12, 60))).capitalize() + "."
        body = json.dumps(
            {
                "body": text,
                "section": self.rng.choice(self.sections),
                "accept_code_of_conduct": True,
            }
        ).encode()
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        return "POST", f"/api/v1/consultations/{self.slug}/comments/", body, headers, 201

    def one(self, kind: str, due: float, request) -> None:
        method, path, body, headers, expected = request
        counts = self.counts[kind]
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.args.timeout)
        try:
            with gevent.Timeout(self.args.timeout):
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
        except gevent.Timeout:
            counts["timed_out"] += 1
            return
        except OSError as error:  # refused, reset, socket timeout
            if isinstance(error, TimeoutError):
                counts["timed_out"] += 1
            else:
                counts["errors"] += 1
                self._sample(f"{kind}: {error!r}")
            return
        finally:
            connection.close()
        elapsed = (time.monotonic() - due) * 1000
        if response.status != expected:
            counts["errors"] += 1
            self._sample(f"{kind}: {response.status} {payload[:200]!r}")
            return
        counts["ok"] += 1
        self.latencies[kind].append(elapsed)
        if kind == POST and not self.args.bare:
            self.receipts.append(json.loads(payload)["receipt"])

    def _sample(self, text: str) -> None:
        if len(self.error_samples) < 10:
            self.error_samples.append(text)

    def run(self) -> dict:
        args = self.args
        arrivals = sorted(
            [(t, POST) for t in schedule(args.post_rate, args.duration, args.arrivals, self.rng)]
            + [(t, READ) for t in schedule(args.read_rate, args.duration, args.arrivals, self.rng)]
        )
        start = time.monotonic() + 0.5  # room to build the first requests
        for offset, kind in arrivals:
            due = start + offset
            request = self.request_for(kind)  # built before its time, not charged to it
            self.counts[kind]["scheduled"] += 1
            wait = due - time.monotonic()
            if wait > 0:
                gevent.sleep(wait)
            if time.monotonic() - due > args.late or self.pool.full():
                self.counts[kind]["late"] += 1
                continue
            self.pool.spawn(self.one, kind, due, request)
        # Whatever is still open after its timeout has been counted by one();
        # the margin covers greenlets that have not been scheduled since.
        self.pool.join(timeout=args.timeout + 5)
        still_open = len(self.pool)
        self.pool.kill(block=False)
        return {
            "elapsed": time.monotonic() - start,
            "still_open": still_open,
            "kinds": {
                kind: {**counts, "latencies_ms": self.latencies[kind]}
                for kind, counts in self.counts.items()
            },
            "error_samples": self.error_samples,
        }


def main() -> None:
    args = parse_args()
    generator = Generator(args)
    summary = generator.run()
    with open(args.out, "w") as out:
        json.dump(summary, out)
    if args.receipts:
        with open(args.receipts, "w") as out:
            json.dump(generator.receipts, out)


if __name__ == "__main__":
    main()
