"""bench/load/openloop.py keeps its schedule whatever the latency: against a
server that answers one request at a time, an arrival rate above what it can
serve makes the latency grow (a closed loop would slow down instead), and a
request that never completes within --timeout is counted as lost."""

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _server(delay: float, threading_server: bool):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    base = ThreadingHTTPServer if threading_server else HTTPServer
    # A listen backlog for every request of a step: none is refused, all wait.
    cls = type("Server", (base,), {"request_queue_size": 256})
    server = cls(("127.0.0.1", 0), Handler)
    # The timeout test's client hangs up first: the broken pipe is expected.
    server.handle_error = lambda request, client_address: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def fixture_file(tmp_path):
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps({"slug": "demo", "sections": ["s1"], "tokens": ["t"]}))
    return path


def _run(tmp_path, fixture_file, port, *, rate, duration, timeout=5.0):
    out = tmp_path / "out.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench/load/openloop.py"),
            "--base",
            f"http://127.0.0.1:{port}",
            "--fixture",
            str(fixture_file),
            "--post-rate",
            "0",
            "--read-rate",
            str(rate),
            "--duration",
            str(duration),
            "--timeout",
            str(timeout),
            "--bare",
            "--out",
            str(out),
        ],
        check=True,
        timeout=120,
    )
    return json.loads(out.read_text())["kinds"]["GET page"]


def test_arrivals_keep_their_schedule_when_the_server_falls_behind(tmp_path, fixture_file):
    # One request at a time, 50 ms each: 20/s at most.  40/s for 2 s is 80
    # requests; served one after another they take 4 s, so the last waits about
    # 2 s after its scheduled time.  A closed loop would see 50 ms throughout.
    server = _server(0.05, threading_server=False)
    try:
        kind = _run(tmp_path, fixture_file, server.server_port, rate=40, duration=2)
    finally:
        server.shutdown()
    assert kind["scheduled"] == 80
    assert kind["ok"] == 80
    assert kind["errors"] == kind["late"] == kind["timed_out"] == 0
    latencies = sorted(kind["latencies_ms"])
    assert latencies[0] < 500
    assert latencies[-1] > 1500


def test_a_request_not_answered_within_the_timeout_is_lost(tmp_path, fixture_file):
    server = _server(3.0, threading_server=True)
    try:
        kind = _run(tmp_path, fixture_file, server.server_port, rate=5, duration=1, timeout=1.0)
    finally:
        server.shutdown()
    assert kind["scheduled"] == 5
    assert kind["ok"] == 0
    assert kind["timed_out"] == 5
