"""A local Microsoft Graph on 127.0.0.1 (plain http: kiota sends tokens over http only to
loopback) answering with Graph's documented JSON. Every body it returns is checked against the
v1.0 metadata first (tests/graph/metadata.py), so it cannot drift from real Graph.
"""

import asyncio
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.graph import metadata

ORGANISER = "0rg00000-0000-0000-0000-000000000001"


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def record(
    name: str,
    *,
    aad: str | None,
    email: str,
    intervals: list[tuple[datetime | None, datetime | None]],
    role: str = "Attendee",
    record_id: str | None = None,
    tenant: str | None = None,
) -> dict[str, Any]:
    """An attendanceRecord as Graph documents it (durations worked out as Teams does)."""
    shaped = []
    for join, leave in intervals:
        seconds = int((leave - join).total_seconds()) if join and leave else 0
        shaped.append(
            {"joinDateTime": iso(join), "leaveDateTime": iso(leave), "durationInSeconds": seconds}
        )
    return {
        "id": record_id or aad or str(uuid.uuid4()),
        "emailAddress": email,
        "totalAttendanceInSeconds": sum(i["durationInSeconds"] for i in shaped),
        "role": role,
        "identity": {"id": aad or "", "displayName": name, "tenantId": tenant},
        "attendanceIntervals": shaped,
        "externalRegistrationInformation": None,
        "registrationId": None,
    }


@dataclass
class Report:
    id: str
    start: datetime
    end: datetime
    records: list[dict[str, Any]]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "totalParticipantCount": len(self.records),
            "meetingStartDateTime": iso(self.start),
            "meetingEndDateTime": iso(self.end),
            "externalEventInformation": [],
            "attendanceRecords": [],
        }


@dataclass
class Meeting:
    id: str
    join_url: str
    subject: str
    reports: list[Report] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "joinWebUrl": self.join_url,
            "subject": self.subject,
            "startDateTime": None,
            "endDateTime": None,
            "chatInfo": {"threadId": f"19:meeting_{self.id}@thread.v2"},
        }


@dataclass
class Fault:
    """Answer the next `times` requests whose path contains `path` with an error."""

    path: str
    status: int
    times: int = 1
    retry_after: str | None = None
    code: str = "TooManyRequests"
    message: str = "Slow down."


@dataclass
class LocalGraph:
    authority_tokens: set[str]
    page_size: int = 100
    # Checked against the metadata unless a benchmark turns it off (same fixtures as the tests).
    check_responses: bool = True
    url: str = ""
    meetings: dict[str, Meeting] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    managers: dict[str, str] = field(default_factory=dict)
    # Group id -> its direct members: user ids, or ids of nested groups.
    groups: dict[str, list[str]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    # While set and not yet released, every request waits (to show nobody waits for Graph).
    held: asyncio.Event | None = None
    cancellations: list[tuple[str, str]] = field(default_factory=list)
    # Rewrites every `@odata.nextLink` it gives (a test's Graph that links elsewhere, or loops).
    rewrite_next_link: Callable[[str], str] | None = None
    _runner: web.AppRunner | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> str:
        app = web.Application(middlewares=[self._gate])
        base = "/v1.0/users/{user}"
        app.router.add_post(base + "/events", self._create_event)
        app.router.add_get(base + "/events/{event}", self._get_event)
        app.router.add_patch(base + "/events/{event}", self._patch_event)
        app.router.add_post(base + "/events/{event}/cancel", self._cancel_event)
        app.router.add_get(base + "/onlineMeetings", self._find_meeting)
        app.router.add_get(base + "/onlineMeetings/{meeting}/attendanceReports", self._reports)
        app.router.add_get(
            base + "/onlineMeetings/{meeting}/attendanceReports/{report}/attendanceRecords",
            self._records,
        )
        app.router.add_get(base + "/manager", self._manager)
        app.router.add_get("/v1.0/groups/{group}/transitiveMembers/{cast}", self._group_users)
        app.router.add_get(base, self._user)
        app.router.add_get("/v1.0/users", self._users)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v1.0"
        return self.url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    # --- plumbing: tokens, faults, checked answers ---------------------------------------------

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(f"{request.method} {request.path_qs}")
        if self.held is not None:
            await self.held.wait()
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.authority_tokens:
            return self._error(401, "InvalidAuthenticationToken", "Access token is empty.")
        for fault in self.faults:
            if fault.times > 0 and fault.path in request.path_qs:
                fault.times -= 1
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return self._error(fault.status, fault.code, fault.message, headers)
        return await handler(request)

    def _error(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> web.Response:
        # Graph's documented error shape (odata.error): not an entity, so not in the subset.
        body = {
            "error": {
                "code": code,
                "message": message,
                "innerError": {"request-id": str(uuid.uuid4()), "date": iso(datetime.now(UTC))},
            }
        }
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, body: dict[str, Any], type_name: str, *, collection: bool = False, status: int = 200
    ) -> web.Response:
        try:
            if not self.check_responses:
                pass
            elif collection:
                metadata.check_collection(body, type_name)
            else:
                metadata.check(body, type_name)
        except AssertionError as wrong:
            self.violations.append(str(wrong))
            return self._error(500, "FakeDrift", str(wrong)[:500])
        if self.rewrite_next_link and "@odata.nextLink" in body:
            body = {**body, "@odata.nextLink": self.rewrite_next_link(body["@odata.nextLink"])}
        return web.json_response(body, status=status)

    def _link(self, request: web.Request, skip: int) -> str:
        return f"{self.url.removesuffix('/v1.0')}{request.path}?$skiptoken={skip}"

    # --- meetings and events -------------------------------------------------------------------

    async def _create_event(self, request: web.Request) -> web.Response:
        sent = await request.json()
        wrong = metadata.problems(sent, "graph.event")
        if wrong:
            self.violations += wrong
            return self._error(400, "BadRequest", "; ".join(wrong)[:500])
        transaction = sent.get("transactionId")
        for event in self.events.values():
            if transaction and event.get("transactionId") == transaction:
                return self._answer(event, "graph.event", status=201)
        event_id = f"AAMk{next(self._ids):08d}"
        meeting_id = f"MSo{event_id}"
        join_url = (
            f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{event_id}%40thread.v2/0"
        )
        event = {
            "id": event_id,
            "subject": sent.get("subject"),
            "start": sent.get("start"),
            "end": sent.get("end"),
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
            "onlineMeeting": {"joinUrl": join_url},
            "transactionId": transaction,
            "attendees": sent.get("attendees") or [],
        }
        self.events[event_id] = event
        self.meetings[meeting_id] = Meeting(meeting_id, join_url, str(sent.get("subject")))
        return self._answer(event, "graph.event", status=201)

    async def _get_event(self, request: web.Request) -> web.Response:
        event = self.events.get(request.match_info["event"])
        if event is None:
            return self._error(404, "ErrorItemNotFound", "The specified object was not found.")
        return self._answer({"id": event["id"], "attendees": event["attendees"]}, "graph.event")

    async def _patch_event(self, request: web.Request) -> web.Response:
        event = self.events.get(request.match_info["event"])
        if event is None:
            return self._error(404, "ErrorItemNotFound", "The specified object was not found.")
        sent = await request.json()
        wrong = metadata.problems(sent, "graph.event")
        if wrong:
            self.violations += wrong
            return self._error(400, "BadRequest", "; ".join(wrong)[:500])
        event.update(sent)
        return self._answer(event, "graph.event")

    async def _cancel_event(self, request: web.Request) -> web.Response:
        """`POST /users/{id}/events/{id}/cancel` answers 202 with no body."""
        event = self.events.get(request.match_info["event"])
        if event is None:
            return self._error(404, "ErrorItemNotFound", "The specified object was not found.")
        sent = await request.json()
        wrong = metadata.action_problems(sent, "graph.event/cancel")
        if wrong:
            self.violations += wrong
            return self._error(400, "BadRequest", "; ".join(wrong)[:500])
        event["isCancelled"] = True
        self.cancellations.append((event["id"], str(sent.get("Comment", ""))))
        return web.Response(status=202)

    async def _find_meeting(self, request: web.Request) -> web.Response:
        wanted = request.query.get("$filter", "")
        prefix = "JoinWebUrl eq '"
        if not wanted.startswith(prefix) or not wanted.endswith("'"):
            return self._error(400, "BadRequest", "Filter must be JoinWebUrl eq '...'.")
        link = wanted[len(prefix) : -1].replace("''", "'")
        found = [m.body() for m in self.meetings.values() if m.join_url == link]
        return self._answer({"value": found}, "graph.onlineMeeting", collection=True)

    def _meeting(self, request: web.Request) -> Meeting | None:
        return self.meetings.get(request.match_info["meeting"])

    async def _reports(self, request: web.Request) -> web.Response:
        meeting = self._meeting(request)
        if meeting is None:
            return self._error(404, "NotFound", "The meeting was not found.")
        body = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#attendanceReports",
            "value": [r.summary() for r in meeting.reports],
        }
        return self._answer(body, "graph.meetingAttendanceReport", collection=True)

    async def _records(self, request: web.Request) -> web.Response:
        meeting = self._meeting(request)
        report = next(
            (
                r
                for r in (meeting.reports if meeting else [])
                if r.id == request.match_info["report"]
            ),
            None,
        )
        if report is None:
            return self._error(404, "NotFound", "The attendance report was not found.")
        skip = int(request.query.get("$skiptoken", "0"))
        page = report.records[skip : skip + self.page_size]
        body: dict[str, Any] = {"value": page}
        if skip + self.page_size < len(report.records):
            body["@odata.nextLink"] = self._link(request, skip + self.page_size)
        return self._answer(body, "graph.attendanceRecord", collection=True)

    # --- users ----------------------------------------------------------------------------

    def _find_user(self, key: str) -> dict[str, Any] | None:
        """`/users/{id | userPrincipalName}`: Graph takes either (the UPN case-insensitively)."""
        if key in self.users:
            return self.users[key]
        return next(
            (
                u
                for u in self.users.values()
                if (u.get("userPrincipalName") or "").lower() == key.lower()
            ),
            None,
        )

    async def _user(self, request: web.Request) -> web.Response:
        user = self._find_user(request.match_info["user"])
        if user is None:
            return self._error(404, "Request_ResourceNotFound", "Resource does not exist.")
        return self._answer(_selected(user, request), "graph.user")

    async def _users(self, request: web.Request) -> web.Response:
        """`GET /users?$select=...&$top=n`: every user, `$select`ed (Graph returns department
        only when selected), paged with an absolute `@odata.nextLink` that keeps the query."""
        size = min(int(request.query.get("$top", "100")), 999, self.page_size)
        skip = int(request.query.get("$skiptoken", "0"))
        users = list(self.users.values())
        fields = [f for f in request.query.get("$select", "").split(",") if f]
        selected = f"({','.join(fields)})" if fields else ""
        body: dict[str, Any] = {
            "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#users{selected}",
            "value": [_selected(u, request) for u in users[skip : skip + size]],
        }
        if skip + size < len(users):
            query = "&".join(f"{k}={v}" for k, v in request.query.items() if k != "$skiptoken")
            body["@odata.nextLink"] = (
                f"{self.url.removesuffix('/v1.0')}{request.path}?{query}&$skiptoken={skip + size}"
            )
        return self._answer(body, "graph.user", collection=True)

    async def _manager(self, request: web.Request) -> web.Response:
        manager_id = self.managers.get(request.match_info["user"])
        if manager_id is None:
            return self._error(
                404, "Request_ResourceNotFound", "Resource 'manager' does not exist."
            )
        body = {
            "@odata.type": "#microsoft.graph.user",
            **_selected(self.users[manager_id], request),
        }
        return self._answer(body, "graph.directoryObject")

    # --- groups ---------------------------------------------------------------------------

    def _transitive_users(self, group_id: str, seen: set[str]) -> list[str]:
        """Users in the group and in every group nested in it, each once."""
        found: list[str] = []
        for member in self.groups[group_id]:
            if member in seen:
                continue
            seen.add(member)
            if member in self.groups:
                found += self._transitive_users(member, seen)
            elif member in self.users:
                found.append(member)
        return found

    async def _group_users(self, request: web.Request) -> web.Response:
        """`GET /groups/{id}/transitiveMembers/microsoft.graph.user` (msgraph-sdk writes the
        cast with Graph's short alias, `graph.user`): users only, `$select`ed, paged."""
        group_id = request.match_info["group"]
        if request.match_info["cast"] not in ("graph.user", "microsoft.graph.user"):
            return self._error(400, "Request_UnsupportedQuery", "Unsupported cast.")
        if group_id not in self.groups:
            return self._error(
                404,
                "Request_ResourceNotFound",
                f"Resource '{group_id}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        fields = [f for f in request.query.get("$select", "").split(",") if f]
        size = min(int(request.query.get("$top", "100")), self.page_size)
        skip = int(request.query.get("$skiptoken", "0"))
        users = self._transitive_users(group_id, set())
        page = [
            {
                "@odata.type": "#microsoft.graph.user",
                **{k: v for k, v in self.users[u].items() if not fields or k in fields},
            }
            for u in users[skip : skip + size]
        ]
        selected = f"({','.join(fields)})" if fields else ""
        body: dict[str, Any] = {
            "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#users{selected}",
            "value": page,
        }
        if skip + size < len(users):
            query = "&".join(f"{k}={v}" for k, v in request.query.items() if k != "$skiptoken")
            body["@odata.nextLink"] = (
                f"{self.url.removesuffix('/v1.0')}{request.path}?{query}&$skiptoken={skip + size}"
            )
        return self._answer(body, "graph.user", collection=True)

    # --- building what tests need --------------------------------------------------------------

    def add_meeting(self, join_url: str, reports: list[Report]) -> Meeting:
        meeting_id = f"MSo{next(self._ids):08d}"
        meeting = Meeting(meeting_id, join_url, "WRAP", reports)
        self.meetings[meeting_id] = meeting
        return meeting

    def add_user(
        self, aad: str, name: str, email: str, department: str | None = None
    ) -> dict[str, Any]:
        user = {
            "id": aad,
            "displayName": name,
            "mail": email,
            "userPrincipalName": email,
            "department": department,
            "jobTitle": None,
        }
        self.users[aad] = user
        return user

    def add_group(self, group_id: str, members: list[str]) -> None:
        """A group of users (by id) and nested groups (by id)."""
        self.groups[group_id] = members


# What Graph returns for a user when no $select is given: department is not among them.
DEFAULT_USER_FIELDS = (
    "id",
    "displayName",
    "mail",
    "userPrincipalName",
    "jobTitle",
    "businessPhones",
    "givenName",
    "surname",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
)


def _selected(user: dict[str, Any], request: web.Request) -> dict[str, Any]:
    fields = [f for f in request.query.get("$select", "").split(",") if f]
    return {k: v for k, v in user.items() if k in (fields or DEFAULT_USER_FIELDS)}


def at(start: datetime, minutes: float) -> datetime:
    return start + timedelta(minutes=minutes)
