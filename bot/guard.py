"""Limits on what one person can send: how often, how long, which attachments."""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from botbuilder.schema import Activity

MAX_TEXT_CHARS = 4000
MAX_ATTACHMENTS = 3
# What Teams sends when a person attaches something in personal chat, plus its HTML copy of text.
ALLOWED_ATTACHMENT_TYPES = {
    "application/vnd.microsoft.teams.file.download.info",
    "image/*",  # a picture pasted into the chat
    "image/png",
    "image/jpeg",
    "application/pdf",
    "text/html",
    "application/vnd.microsoft.card.adaptive",
}
# CSV: a coordinator's file of email,team ('import teams'); read as text, never opened.
ALLOWED_FILE_TYPES = {"pdf", "png", "jpg", "jpeg", "csv"}
WRONG_FILE = "I can only take PDF, PNG or JPEG files (and CSV files for 'import teams')."


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class RateLimit:
    """A token bucket per person: `burst` at once, then `per_second` sustained."""

    def __init__(
        self,
        burst: int = 10,
        per_second: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        max_people: int = 10_000,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._max_people = max_people

    def allow(self, who: str) -> tuple[bool, bool]:
        """(allowed, first refusal since the person was last allowed)."""
        now = self._clock()
        bucket = self._buckets.pop(who, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        self._buckets[who] = bucket
        while len(self._buckets) > self._max_people:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return True, False
        first = not bucket.warned
        bucket.warned = True
        return False, first


def input_problem(activity: Activity) -> str | None:
    """A sentence saying why this input is refused, or None when it is acceptable."""
    if activity.text and len(activity.text) > MAX_TEXT_CHARS:
        return f"That message is too long for me: please keep it under {MAX_TEXT_CHARS} characters."
    attachments = activity.attachments or []
    if len(attachments) > MAX_ATTACHMENTS:
        return f"Please send at most {MAX_ATTACHMENTS} attachments at a time."
    for attachment in attachments:
        if attachment.content_type not in ALLOWED_ATTACHMENT_TYPES:
            return WRONG_FILE
        if attachment.content_type == "application/vnd.microsoft.teams.file.download.info":
            content = attachment.content if isinstance(attachment.content, dict) else {}
            if str(content.get("fileType", "")).lower() not in ALLOWED_FILE_TYPES:
                return WRONG_FILE
    return None
