"""A Sentry server stand-in: an HTTP server in a thread that keeps every envelope it gets."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli

from tests.waiting import wait_until


class _Handler(BaseHTTPRequestHandler):
    server: ReceiverServer

    def do_POST(self) -> None:  # http.server hook name
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "br":
            raw = brotli.decompress(raw)
        with self.server.lock:
            self.server.envelopes.append(raw)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass


class ReceiverServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.envelopes: list[bytes] = []

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.server_address[1]}/1"

    def received(self) -> bytes:
        with self.lock:
            return b"\n".join(self.envelopes)

    def wait_for(self, marker: bytes, timeout: float = 10.0) -> bytes:
        wait_until(
            lambda: marker in self.received(),
            timeout=timeout,
            message=lambda: f"an envelope with {marker!r}; got {self.received()[:2000]!r}",
        )
        return self.received()


class Receiver:
    """``with Receiver() as receiver:`` serves on a free port until the block ends."""

    def __enter__(self) -> ReceiverServer:
        self.server = ReceiverServer()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.server

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()
