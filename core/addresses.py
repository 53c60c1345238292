"""The client's address, the same for every per-address limit, django-axes and the audit trail.

Behind a reverse proxy the TCP peer (``REMOTE_ADDR``) is the proxy, so every
parent would share one address: ten wrong codes from anyone would lock every
sign-in, and the public check's limit would become national (issue 15, item 1;
docs/security.md, "The client's address behind a proxy"). The proxy says whom
it serves in ``X-Forwarded-For``, but a client can send that header too, so it
is read only when the peer is a proxy we trust (``TRUSTED_PROXIES``, a list of
networks), and then from the right: each trusted proxy appends the address it
saw, so the rightmost address that is not a trusted proxy is the first one
nobody we trust could have written; everything left of it may be forged.

django-ipware was considered: its trusted-proxy list is matched position by
position against the end of the header and never against the peer, so it
cannot say "believe the header only from these networks".
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(request) -> str | None:
    """The address of the client that sent ``request``, or None when even the peer is unknown."""
    return _client_of(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        tuple(settings.TRUSTED_PROXIES),
    )


@lru_cache(maxsize=4096)
def _client_of(remote: str, forwarded: str, proxies: tuple[str, ...]) -> str | None:
    """``client_address`` of these headers: a function of them alone, so the same client's next request
    (the public check counts every one) costs a dictionary look-up instead of a hundred calls."""
    peer = parse_address(remote)
    if peer is None:
        return None
    networks = trusted_networks(proxies)
    client = peer
    if is_trusted(client, networks):
        for hop in reversed(forwarded.split(",")):
            address = parse_address(hop)
            if address is None:  # a broken chain: nothing left of it can be believed
                break
            client = address
            if not is_trusted(client, networks):
                break
    return str(client)


def from_trusted_proxy(request) -> bool:
    """Whether the peer of ``request`` is in ``TRUSTED_PROXIES``: only then are its headers believed."""
    peer = parse_address(request.META.get("REMOTE_ADDR", ""))
    return peer is not None and is_trusted(peer, trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def parse_address(text: str) -> Address | None:
    """An IPv4 or IPv6 address from a header entry (``[v6]`` and ``v4:port`` allowed), else None.

    An IPv4 address mapped into IPv6 (``::ffff:10.0.0.1``, as a dual-stack socket
    reports it) counts as the IPv4 address, so one client has one address.
    """
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def is_trusted(address: Address, networks) -> bool:
    return any(address.version == network.version and address in network for network in networks)


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple:
    """``TRUSTED_PROXIES`` as networks (settings.py has refused a malformed entry at start-up)."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)
