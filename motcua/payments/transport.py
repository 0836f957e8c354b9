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


def post_json(url: str, body: Mapping[str, object], timeout: float) -> object:
    path = _in_process(url)
    if path is not None:
        request = RequestFactory().post(path, data=json.dumps(body), content_type="application/json")
        status, content = _call(request)
    else:
        answer = requests.post(url, json=dict(body), timeout=timeout)
        status, content = answer.status_code, answer.content
    if status != 200:
        raise ValueError(f"HTTP {status}")
    return json.loads(content)


def get_json(url: str, params: Mapping[str, str], timeout: float) -> object:
    path = _in_process(url)
    if path is not None:
        status, content = _call(RequestFactory().get(f"{path}?{urlencode(params)}", REMOTE_ADDR="127.0.0.1"))
    else:
        answer = requests.get(url, params=dict(params), timeout=timeout)
        status, content = answer.status_code, answer.content
    if status != 200:
        raise ValueError(f"HTTP {status}")
    return json.loads(content)
