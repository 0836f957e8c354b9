"""One HTTP POST to an outside system: a timeout, no redirects, the answer's status and a little of its body."""

from __future__ import annotations

from dataclasses import dataclass

import requests

MAX_BODY = 4096  # what we keep of an answer (a receiver may answer megabytes of garbage)


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer at all
    body: bytes = b""
    retry_after: int | None = None  # seconds, from a 429/503's Retry-After
    error: str = ""


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    try:
        # A redirect is an answer like any other (3xx, not delivered): following one could lead a
        # delivery inside the private network, or round in a loop forever.
        with requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True) as r:
            chunk = next(r.iter_content(MAX_BODY), b"") if r.status_code < 300 else b""
            return Answer(r.status_code, chunk, _retry_after(r.headers.get("Retry-After")))
    except requests.RequestException as exc:
        return Answer(None, error=f"{type(exc).__name__}: {exc}"[:500])


def _retry_after(value: str | None) -> int | None:
    if value and value.strip().isdigit():
        return min(int(value.strip()), 24 * 3600)
    return None
