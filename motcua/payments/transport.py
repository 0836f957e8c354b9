"""HTTP between motcua and a gateway, or to the bundled sandbox inside this process.

A gateway URL under this installation's own `PUBLIC_URL` while `PAYMENT_SANDBOX_IN_PROCESS` is set
(the embedded default of `make demo`) is answered by resolving it to the view and calling it: the
same view code as over the network, without a request from the server to itself (a one-worker
server would wait for itself). Anything else is a real HTTP request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.test import RequestFactory
from django.urls import resolve


def _in_process(url: str) -> str | None:
    """The path to resolve here, when `url` is one of this installation's own addresses."""
    if not settings.PAYMENT_SANDBOX_IN_PROCESS:
        return None
    own = urlsplit(settings.PUBLIC_URL)
    target = urlsplit(url)
    if (target.scheme, target.netloc) != (own.scheme, own.netloc):
        return None
    return target.path


def _call(request) -> tuple[int, bytes]:
    match = resolve(request.path)
    response = match.func(request, *match.args, **match.kwargs)
    return response.status_code, response.content


def _exchange(method: str, url: str, timeout: float, *, body: Mapping[str, object] | None = None,
              params: Mapping[str, str] | None = None) -> object:
    path = _in_process(url)
    if path is None:
        answer = requests.request(method, url, json=dict(body) if body is not None else None,
                                  params=dict(params or {}), timeout=timeout)
        status, content = answer.status_code, answer.content
    elif method == "POST":
        status, content = _call(RequestFactory().post(path, data=json.dumps(body), content_type="application/json"))
    else:
        status, content = _call(RequestFactory().get(f"{path}?{urlencode(params or {})}", REMOTE_ADDR="127.0.0.1"))
    if status != 200:
        raise ValueError(f"HTTP {status}")
    return json.loads(content)


def post_json(url: str, body: Mapping[str, object], timeout: float) -> object:
    return _exchange("POST", url, timeout, body=body)


def get_json(url: str, params: Mapping[str, str], timeout: float) -> object:
    return _exchange("GET", url, timeout, params=params)
