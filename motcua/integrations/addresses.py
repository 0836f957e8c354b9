"""Which webhook URLs the server may call: no request forgery against itself or the private network (SSRF).

A URL is refused when its host is this server (PUBLIC_URL's host) or resolves to any loopback, private,
link-local, reserved, multicast or unspecified address, unless the administrator's setting
WEBHOOK_ALLOW_PRIVATE_URLS allows it (an integrator inside the same network; the tests' receivers on
loopback). The check runs when a subscription is made and again before each delivery, as a name may
resolve elsewhere later; redirects are never followed (transport.py), so a public URL cannot bounce a
delivery inside.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class Refused(Exception):
    """The URL may not be called; the message says why, in the user's language."""


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check(url: str) -> None:
    """Raise Refused unless `url` is an http(s) URL the server may call."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(_("Địa chỉ không hợp lệ.")) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(_("Địa chỉ phải bắt đầu bằng http:// hoặc https:// và có tên máy."))
    if parts.username or parts.password:
        raise Refused(_("Địa chỉ không được chứa tên đăng nhập hay mật khẩu."))
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    host = parts.hostname.lower().rstrip(".")
    own = (urlsplit(settings.PUBLIC_URL).hostname or "").lower()
    if host in {own, "localhost"} or host.endswith(".localhost"):
        raise Refused(_("Địa chỉ trỏ về chính máy chủ này."))
    try:
        infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(_("Không tìm thấy máy chủ “%(host)s”.") % {"host": host}) from exc
    if any(_private(info[4][0]) for info in infos):
        raise Refused(_("Địa chỉ trỏ vào mạng nội bộ hoặc máy chủ này; quản trị hệ thống chưa cho phép."))
