"""POST a signed JSON body to a callback URL under the download SSRF policy: pinned IP, no redirects."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
import urllib3
from requests.structures import CaseInsensitiveDict
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress

from storyboard import errors
from storyboard.integrations.fetch import Fetcher, FetchPolicy

log = logging.getLogger(__name__)

TIMEOUT = (3.0, 10.0)  # connect, read: a receiver should answer at once and work afterwards


def _session(policy: FetchPolicy) -> requests.Session:
    config = Config(
        ip_filter_enable=True,
        ip_filter_allow_loopback_ips=policy.allow_private,
        never_redirect=True,
        default_timeout=TIMEOUT,
        user_agent_override=policy.user_agent,
    )
    session = HTTPSession(config)
    # Environment proxies would route around the IP filter; .netrc would add credentials.
    session.trust_env = False
    session.headers = CaseInsensitiveDict({"Accept": "*/*", "Accept-Encoding": "identity"})
    return session


def post_json(url: str, body: bytes, headers: dict[str, str], policy: FetchPolicy) -> int:
    """POST `body` to `url` and return the HTTP status; raises errors.* with safe messages.

    A redirect is an answer, not an instruction: it is returned as its status and counts as a failure.
    """
    try:
        Fetcher(policy).check_url(url)
    except errors.Unprocessable:
        raise errors.Unprocessable("Callback URL not allowed") from None
    with _session(policy) as session:
        try:
            response = session.post(
                url, data=body, headers={"Content-Type": "application/json", **headers}, allow_redirects=False
            )
        except (InvalidIPAddress, requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema):
            raise errors.Unprocessable("Callback URL not allowed") from None
        except requests.Timeout as exc:
            raise errors.UpstreamTimeout("Callback timed out") from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            log.info("Callback to host %s failed: %r", urlsplit(url).hostname, exc)
            raise errors.UpstreamFailed("Callback failed: could not connect") from exc
        response.close()
        return response.status_code
