"""Which sites may talk to the server: allowed origins, Host names, cross-site writes.

Starlette's TrustedHostMiddleware knows only name patterns; here an IP literal is always
accepted (a DNS-rebinding page always sends its own domain name as Host, never an address),
so a server bound to 0.0.0.0 stays reachable by address without listing every one.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from qa.errors import QAError

ORIGIN = re.compile(r"^https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                    r"|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
LOOPBACK_NAMES = ("localhost",)
ANY_ADDRESS = ("0.0.0.0", "::", "")
STATE_CHANGING = ("/api/reload", "/admin")  # prefixes whose unsafe methods change the server's state
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def check_origins(origins) -> tuple[str, ...]:
    """The allowed origins as given, or QAError naming the first that is not scheme://host[:port]."""
    for origin in origins:
        if "*" in origin:
            raise QAError(f"不能使用通配来源 {origin!r}:请逐个列出允许的网站,如 --allow-origin https://portal.example.gov.cn")
        if not ORIGIN.match(origin):
            raise QAError(f"来源 {origin!r} 格式不对:应写成 协议://主机名[:端口],如 https://portal.example.gov.cn,"
                          "不带路径和结尾的斜杠")
    return tuple(origins)


def host_name(value: str | None) -> str | None:
    """The name part of a Host header or origin netloc: lower case, no port, no trailing dot."""
    if value is None:
        return None
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%")[0])
        return True
    except ValueError:
        return False


def host_allowed(header: str | None, names: tuple[str, ...], origins: tuple[str, ...]) -> bool:
    """Host header check against DNS rebinding: loopback names, the bound host, IP literals,
    the allowed origins' hosts and any configured extra names."""
    if header is None:
        return True  # HTTP/1.0 without Host: nothing a browser sends
    name = host_name(header)
    if not name:
        return False
    if name in LOOPBACK_NAMES or is_ip(name):
        return True
    allowed = {host_name(n) for n in names if n not in ANY_ADDRESS}
    allowed |= {host_name(urlsplit(o).netloc) for o in origins}
    return name in allowed


def cross_site_write(scope, origins: tuple[str, ...]) -> bool:
    """True for a state-changing request that another site's page sent (Origin or Sec-Fetch-Site).

    Programs (curl, scripts) send neither header and pass; a browser always sends Origin on POST.
    """
    if scope["method"] in SAFE_METHODS or not scope["path"].startswith(STATE_CHANGING):
        return False
    headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
    origin = headers.get(b"origin")
    if origin is not None:
        own = f"{scope.get('scheme', 'http')}://{headers.get(b'host', '')}"
        return origin.rstrip("/") != own and origin not in origins
    return headers.get(b"sec-fetch-site", "same-origin") not in ("same-origin", "none")
