"""The HTTP adapter: any registry that answers `GET <base>/<key>` with a JSON object.

200 with an object: the record; 404: nothing held under that key; anything else
(a timeout, a refused connection, a 5xx, a body that is not a JSON object) is
`RegistryUnavailable`, which the pages show as "the registry cannot be reached
now", never as a server error.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import requests

from motcua.vault.registries import Record, RegistryUnavailable, label_of

log = logging.getLogger(__name__)


class HttpRegistry:
    def __init__(self, code: str, base_url: str, *, timeout: float = 5.0, session: requests.Session | None = None) -> None:
        self.code = code
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests

    @property
    def label(self) -> str:
        return label_of(self.code)

    def lookup(self, key: str) -> Record | None:
        url = f"{self.base_url}/{quote(key, safe='')}"
        try:
            answer = self.session.get(url, timeout=self.timeout, headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            log.warning("registry %s unreachable: %s", self.code, exc)
            raise RegistryUnavailable(self.code, type(exc).__name__) from exc
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            log.warning("registry %s answered %s", self.code, answer.status_code)
            raise RegistryUnavailable(self.code, f"HTTP {answer.status_code}")
        try:
            body = answer.json()
        except ValueError as exc:
            raise RegistryUnavailable(self.code, "not JSON") from exc
        if not isinstance(body, dict):
            raise RegistryUnavailable(self.code, "not a JSON object")
        return Record(self.code, key, body)
