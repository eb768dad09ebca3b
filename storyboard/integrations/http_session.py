"""The one hardened requests session for outbound calls: our address rule is applied to the IP about to be dialled."""

from __future__ import annotations

import ipaddress
from http.cookiejar import DefaultCookiePolicy

import requests
from requests.structures import CaseInsensitiveDict
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

SCHEMES = ("http", "https")
# Ranges that Python's ipaddress does not call private but that still lead inside networks or embed
# IPv4 addresses (CGNAT, IETF protocol space, 6to4 and its relay, NAT64, SRv6, ORCHIDv2, the 3fff doc range).
EXTRA_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.88.99.0/24",
        "2002::/16",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "5f00::/16",
        "2001:20::/28",
        "3fff::/20",
    )
)
# What a session raises when the address rule or the URL's shape refuses a request; callers answer "not allowed".
REFUSED = (InvalidIPAddress, requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema)


def ip_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool = False) -> bool:
    """True for a publicly routable unicast address (IPv4-mapped IPv6 is judged as the IPv4 inside)."""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_loopback and ip.is_loopback:
        return True
    # is_global alone admits multicast, IPv4-compatible IPv6 (::7f00:1) and the old site-local fec0::/10.
    if not ip.is_global or ip.is_multicast or ip.is_reserved or getattr(ip, "is_site_local", False):
        return False
    return not any(ip in net for net in EXTRA_BLOCKED_NETWORKS)


class _PolicyAdapter(IPFilterAdapter):
    """requests-hardened's resolve-once, pinned-address adapter, with our stricter rule applied to the
    address it is about to dial (it would admit e.g. IPv4-compatible ::7f00:1 and fec0::/10)."""

    def __init__(self, *, is_https_proto: bool, allow_loopback: bool):
        super().__init__(is_https_proto=is_https_proto, allow_loopback=allow_loopback)
        self._loopback_ok = allow_loopback

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        ip = ipaddress.ip_address(host_params["host"].strip("[]"))
        if not ip_allowed(ip, allow_loopback=self._loopback_ok):
            raise InvalidIPAddress(ip)
        return host_params, pool_kwargs


def hardened_session(*, allow_loopback: bool, user_agent: str, timeout: tuple[float, float]) -> requests.Session:
    """A session that dials only addresses `ip_allowed` admits, never redirects and carries no ambient state."""
    config = Config(
        ip_filter_enable=True,
        ip_filter_allow_loopback_ips=allow_loopback,
        never_redirect=True,
        default_timeout=timeout,
        user_agent_override=user_agent,
    )
    session = HTTPSession(config)
    for scheme in SCHEMES:
        adapter = _PolicyAdapter(is_https_proto=scheme == "https", allow_loopback=allow_loopback)
        session.mount(f"{scheme}://", adapter)
    # Environment proxies would route around the IP filter; .netrc would add credentials.
    session.trust_env = False
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.headers = CaseInsensitiveDict({"Accept": "*/*", "Accept-Encoding": "identity"})
    return session
