"""The client address behind ``DJANGO_TRUSTED_PROXY_COUNT`` reverse proxies.

Each proxy appends the address it got the request from to X-Forwarded-For, so behind N proxies
the N-th entry from the right is the client's as the outermost proxy saw it; entries further left
are whatever the client sent and are never read. With no proxy (N = 0) it is REMOTE_ADDR. Axes
counts failed logins by it (``AXES_CLIENT_IP_CALLABLE``).
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The address a request came from, as the outermost trusted proxy saw it."""
    remote_addr = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        # Fewer hops than proxies: not from the proxy chain we expect; trust nothing in it.
        return remote_addr
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote_addr
