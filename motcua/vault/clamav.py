"""Virus scanning through clamd (ClamAV's daemon), over its INSTREAM protocol.

`CLAMD_ADDRESS` says where clamd listens: `unix:///run/clamav/clamd.ctl` or
`tcp://127.0.0.1:3310`. Empty (the embedded default, `make demo`) means files are
not scanned, and `manage.py check` warns about it (motcua.vault.checks). When an
address is set, a file is accepted only if clamd answers that it is clean: an
unreachable or failing scanner refuses the upload (ScannerUnavailable), it never
lets a file through unscanned.

The protocol (clamd(8), "INSTREAM"): `zINSTREAM\\0`, then chunks each preceded by
its length as a 4-byte big-endian integer, then a zero length; the answer is
`stream: OK`, `stream: <signature> FOUND` or `… ERROR`, ending with `\\0`. It is a
few lines, so no client library (the Python ones on PyPI are unmaintained since
2014-2017).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd could not be asked, or could not answer (the file is then not accepted)."""


def configured() -> bool:
    return bool(getattr(settings, "CLAMD_ADDRESS", ""))


def _connect() -> socket.socket:
    address = urlsplit(settings.CLAMD_ADDRESS)
    timeout = float(getattr(settings, "CLAMD_TIMEOUT", 30))
    try:
        if address.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(address.path)
            return sock
        if address.scheme == "tcp" and address.hostname and address.port:
            return socket.create_connection((address.hostname, address.port), timeout=timeout)
    except OSError as exc:
        raise ScannerUnavailable(f"clamd at {settings.CLAMD_ADDRESS}: {exc}") from exc
    raise ScannerUnavailable(f"CLAMD_ADDRESS is neither unix:///path nor tcp://host:port: {settings.CLAMD_ADDRESS!r}")


def scan(chunks: Iterable[bytes]) -> str | None:
    """The name of the signature clamd found in the stream, or None when it is clean."""
    with _connect() as sock:
        try:
            sock.sendall(b"zINSTREAM\0")
            for chunk in chunks:
                for start in range(0, len(chunk), CHUNK):
                    part = chunk[start : start + CHUNK]
                    sock.sendall(struct.pack("!L", len(part)) + part)
            sock.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                got = sock.recv(4096)
                if not got:
                    break
                answer += got
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {settings.CLAMD_ADDRESS}: {exc}") from exc
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith("FOUND"):
        return text.removeprefix("stream:").removesuffix("FOUND").strip()
    if text.endswith(": OK"):
        return None
    raise ScannerUnavailable(f"clamd answered {text!r}")


def ping() -> bool:
    try:
        with _connect() as sock:
            sock.sendall(b"zPING\0")
            return sock.recv(16).rstrip(b"\0") == b"PONG"
    except (OSError, ScannerUnavailable):
        return False
