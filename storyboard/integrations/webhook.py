"""POST a signed JSON body to a callback URL under the download SSRF policy: pinned IP, no redirects."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
import urllib3

from storyboard import errors
from storyboard.integrations.fetch import Fetcher, FetchPolicy
from storyboard.integrations.http_session import REFUSED, hardened_session

log = logging.getLogger(__name__)

TIMEOUT = (3.0, 10.0)  # connect, read: a receiver should answer at once and work afterwards


def post_json(url: str, body: bytes, headers: dict[str, str], policy: FetchPolicy) -> int:
    """POST `body` to `url` and return the HTTP status; raises errors.* with safe messages.

    A redirect is an answer, not an instruction: it is returned as its status and counts as a failure.
    """
    try:
        Fetcher(policy).check_url(url)
    except errors.Unprocessable:
        raise errors.Unprocessable("Callback URL not allowed") from None
    with hardened_session(
        allow_loopback=policy.allow_private, user_agent=policy.user_agent, timeout=TIMEOUT
    ) as session:
        try:
            response = session.post(
                url, data=body, headers={"Content-Type": "application/json", **headers}, allow_redirects=False
            )
        except REFUSED:
            raise errors.Unprocessable("Callback URL not allowed") from None
        except requests.Timeout as exc:
            raise errors.UpstreamTimeout("Callback timed out") from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            log.info("Callback to host %s failed: %r", urlsplit(url).hostname, exc)
            raise errors.UpstreamFailed("Callback failed: could not connect") from exc
        response.close()
        return response.status_code
