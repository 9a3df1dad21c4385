"""Following Graph's `@odata.nextLink`s without being led astray.

A next link is an absolute URL in Graph's answer, and a request to it carries the app's token. So
a listing follows one only to the configured Graph origin (a link elsewhere would take the token
there), at most `max_pages` pages, and never to a page it has already read (a link seen before
would read the same pages for ever). Each refusal is logged and raised as a `GraphProblem` that
says what happened; the pages read before it are kept by whoever read them.
"""

import logging
from urllib.parse import urlsplit

from graph.errors import GraphProblem

log = logging.getLogger(__name__)

MAX_PAGES = 1000  # a million users at Graph's largest page: no council's directory is longer


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, as compared between a next link and the Graph base URL."""
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


class PageTrail:
    """The pages one listing has read, and whether the next link may be followed."""

    def __init__(self, base_url: str, what: str, max_pages: int = MAX_PAGES) -> None:
        self._origin = origin(base_url)
        self._what = what
        self._max_pages = max_pages
        self._seen: set[str] = set()
        self.pages = 1  # the first page, read before any next link

    def check(self, url: str) -> str:
        """`url`, if a request may go there: the Graph origin, no user or password in it."""
        parts = urlsplit(url)
        if origin(url) != self._origin or parts.username is not None or parts.password is not None:
            self._refuse(
                "next_link_elsewhere",
                f"a next page of {self._what} pointed away from Microsoft Graph "
                f"({parts.scheme}://{parts.hostname}), so it was not followed",
            )
        return url

    def follow(self, url: str) -> str:
        """The next page's URL, after checking where it goes, that it is new, and the cap."""
        self.check(url)
        if url in self._seen:
            self._refuse(
                "next_link_loop",
                f"a next page of {self._what} pointed back to a page already read, so the "
                "listing stopped there",
            )
        if self.pages >= self._max_pages:
            self._refuse(
                "too_many_pages",
                f"the listing of {self._what} ran past {self._max_pages} pages, so it stopped",
            )
        self._seen.add(url)
        self.pages += 1
        return url

    def _refuse(self, code: str, message: str) -> None:
        log.warning("Graph paging refused (%s): %s", code, message)
        raise GraphProblem(0, code, message)
