"""Locust users for bench/load/run.py (which starts the servers and picks the users).

Reads its fixture (tokens, consultation slug, section keys) from the JSON file
named by LOAD_FIXTURE and writes the receipt of every 201 it received to
LOAD_RECEIPTS, so run.py can check that nothing acknowledged was lost.
"""

import json
import os
import random
import threading

from locust import HttpUser, between, constant, events, task

FIXTURE = json.loads(open(os.environ["LOAD_FIXTURE"]).read())
SLUG = FIXTURE["slug"]
SECTIONS = FIXTURE["sections"]
TOKENS = list(FIXTURE["tokens"])
WORDS = (
    "access community network spectrum licence affordable rural backhaul operator "
    "infrastructure fund municipal open data privacy interconnection tower fibre"
).split()

_lock = threading.Lock()
_receipts: list[str] = []
_tokens = iter(TOKENS * 10)


def _next_token() -> str:
    with _lock:
        return next(_tokens)


def _text() -> str:
    return " ".join(random.choices(WORDS, k=random.randint(12, 60))).capitalize() + "."


class _Poster:
    """Posts comments (80 %) and replies to comments it saw (20 %) through the API."""

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {_next_token()}"
        self.seen: list[str] = []

    def post_comment(self):
        # Accepting the code of conduct again is a no-op; the first comment needs it.
        payload = {"body": _text(), "accept_code_of_conduct": True}
        if self.seen and random.random() < 0.2:
            payload["parent"] = random.choice(self.seen)
            name = "POST comment (reply)"
        else:
            payload["section"] = random.choice(SECTIONS)
            name = "POST comment"
        with self.client.post(
            f"/api/v1/consultations/{SLUG}/comments/", json=payload, name=name, catch_response=True
        ) as response:
            if response.status_code == 201:
                receipt = response.json()["receipt"]
                self.seen.append(receipt)
                with _lock:
                    _receipts.append(receipt)
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class SurgeReader(HttpUser):
    """Reads the draft: the consultation page, then a section with its threads."""

    weight = 4
    wait_time = between(1, 3)

    @task(1)
    def consultation(self):
        self.client.get(f"/c/{SLUG}/", name="GET consultation page")

    @task(3)
    def section(self):
        self.client.get(f"/c/{SLUG}/s/{random.choice(SECTIONS)}/", name="GET section thread")


class SurgeWriter(_Poster, HttpUser):
    """Reads a section, then comments on it or replies (one in five surge users)."""

    weight = 1
    wait_time = between(1, 3)

    @task(1)
    def read(self):
        self.client.get(f"/c/{SLUG}/s/{random.choice(SECTIONS)}/", name="GET section thread")

    @task(1)
    def write(self):
        self.post_comment()


class Writer(_Poster, HttpUser):
    """Posts back to back (closed loop): comment POST throughput and latency."""

    wait_time = constant(0)

    @task
    def write(self):
        self.post_comment()


class BareView(HttpUser):
    wait_time = constant(0)

    @task
    def bare(self):
        self.client.get("/bench/bare/", name="GET bare view")


class BareViewSurge(HttpUser):
    """The bare view under the surge's own pacing (200 users, 1-3 s think time)."""

    wait_time = between(1, 3)

    @task
    def bare(self):
        self.client.get("/bench/bare/", name="GET bare view")


class RawInsert(HttpUser):
    wait_time = constant(0)

    @task
    def insert(self):
        self.client.post("/bench/raw-insert/", data=_text(), name="POST raw insert")


@events.test_stop.add_listener
def _write_receipts(**_kwargs):
    path = os.environ.get("LOAD_RECEIPTS")
    if path:
        with open(path, "w") as out:
            json.dump(_receipts, out)
