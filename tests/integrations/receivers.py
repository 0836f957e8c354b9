"""A real HTTP receiver on loopback for the webhook and national sync tests.

Each path answers as its first word says: /ok… 200, /fail… 500, /garbage… 200 with bytes that mean
nothing, /slow… waits `slow_seconds` (longer than the sender's timeout) then 200, /loop… a redirect to
itself, /gone… 410, /national… the Vietnamese portal's acknowledgement {"error_code": 0}; /hang<word>… holds
the first request to its path until `release` is set (a sender killed meanwhile never hears back), then
answers as <word> says. Every request is kept (path, lower-cased headers, body, time).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.slow_seconds = 3.0
        self.release = threading.Event()
        self.arrived = threading.Event()
        self.fail_first: dict[str, int] = {}  # path → how many first requests answer 500
        self.held: set[str] = set()  # the /hang paths whose first request came
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                with receiver._lock:
                    receiver.requests.append(seen)
                    left = receiver.fail_first.get(self.path, 0)
                    if left:
                        receiver.fail_first[self.path] = left - 1
                    hold = self.path not in receiver.held
                    receiver.held.add(self.path)
                receiver.arrived.set()
                if left:
                    return self._answer(500, b"try later")
                word = self.path.strip("/").split("/")[0]
                if word.startswith("slow"):
                    time.sleep(receiver.slow_seconds)
                if word.startswith("hang"):
                    if hold:
                        receiver.release.wait(60)
                    word = word[4:]
                if word.startswith("fail"):
                    return self._answer(500, b"boom")
                if word.startswith("garbage"):
                    return self._answer(200, os.urandom(64))
                if word.startswith("loop"):
                    self.send_response(302)
                    self.send_header("Location", self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if word.startswith("gone"):
                    return self._answer(410, b"gone")
                if word.startswith("national"):
                    return self._answer(200, json.dumps({"error_code": 0}).encode())
                return self._answer(200, b"ok")

            def _answer(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the sender gave up (timeout) or was killed

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def to(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
