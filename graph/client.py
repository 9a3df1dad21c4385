"""The Graph calls wrapbot makes, over msgraph-sdk with its default middleware (retries on
429/503/504 honouring Retry-After, redirects, telemetry) and msal for the app's token.

Attendance reports and records are read as raw JSON through the same request adapter (so the
same middleware and authentication apply): the bytes Graph sent are kept as evidence, and a
thousand records parse faster with `json` than through kiota's models.
"""

import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from kiota_abstractions.serialization import Parsable, ParsableFactory
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph.generated.groups.item.transitive_members.graph_user.graph_user_request_builder import (
    GraphUserRequestBuilder,
)
from msgraph.generated.models.attendee import Attendee
from msgraph.generated.models.attendee_type import AttendeeType
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
from msgraph.generated.users.item.events.item.cancel.cancel_post_request_body import (
    CancelPostRequestBody,
)
from msgraph.generated.users.item.events.item.event_item_request_builder import (
    EventItemRequestBuilder,
)
from msgraph.generated.users.item.manager.manager_request_builder import ManagerRequestBuilder
from msgraph.generated.users.item.online_meetings.item.online_meeting_item_request_builder import (
    OnlineMeetingItemRequestBuilder,
)
from msgraph.generated.users.item.online_meetings.online_meetings_request_builder import (
    OnlineMeetingsRequestBuilder,
)
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from config.settings import Settings
from graph.auth import GRAPH_SCOPES, graph_credential
from graph.errors import GraphNotConfigured, GraphProblem
from graph.paging import MAX_PAGES, PageTrail, origin
from graph.records import (
    AttendanceReport,
    DirectoryDepartment,
    DirectoryUser,
    GroupMember,
    OnlineMeeting,
    RecordPage,
    TeamsMeeting,
)
from training.attendance.completion import parse_time

ERRORS: dict[str, type[ParsableFactory[Parsable]]] = {"XXX": ODataError}
USER_FIELDS = ["id", "displayName", "mail", "userPrincipalName", "department", "jobTitle"]
MEMBER_FIELDS = ["id", "mail", "userPrincipalName"]
DEPARTMENT_FIELDS = ["id", "mail", "userPrincipalName", "department"]
MEMBERS_PER_PAGE = 999  # Graph's largest page for directory objects (its default is 100)
USERS_PER_PAGE = 999  # the same for users
Query = TypeVar("Query")  # a request builder's query parameters


def _problem(error: Exception) -> GraphProblem:
    if isinstance(error, ODataError) and error.error is not None:
        return GraphProblem(
            int(error.response_status_code or 0),
            error.error.code or "",
            error.error.message or "",
        )
    if isinstance(error, APIError):
        return GraphProblem(int(error.response_status_code or 0), "error", str(error.message))
    return GraphProblem(0, "unreachable", f"could not reach Microsoft Graph ({error!r})"[:300])


def _http_client(settings: Settings) -> httpx.AsyncClient:
    verify: ssl.SSLContext | bool = True
    if settings.graph_ca_bundle:
        verify = ssl.create_default_context(cafile=settings.graph_ca_bundle)
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(100, connect=30), http2=True, verify=verify, trust_env=False
    )
    # msgraph_core annotates this but ships no py.typed, so mypy sees Any.
    with_middleware: httpx.AsyncClient = GraphClientFactory.create_with_default_middleware(
        client=client
    )
    return with_middleware


class GraphClient:
    """The few Graph calls we make, returning `graph.records` types."""

    def __init__(self, settings: Settings, *, max_pages: int = MAX_PAGES) -> None:
        if not settings.graph_configured:
            raise GraphNotConfigured()
        self.organiser = settings.graph_organiser
        self.credential = graph_credential(settings)
        self._http = _http_client(settings)
        self._base_url = settings.graph_base_url.rstrip("/")
        self._max_pages = max_pages
        # The token goes to the Graph host alone, whatever URL a request is sent to.
        _, graph_host, _ = origin(self._base_url)
        adapter = GraphRequestAdapter(
            AzureIdentityAuthenticationProvider(
                self.credential, scopes=GRAPH_SCOPES, allowed_hosts=[graph_host]
            ),
            client=self._http,
        )
        adapter.base_url = self._base_url
        self._adapter = adapter
        self._sdk = GraphServiceClient(request_adapter=adapter)

    async def close(self) -> None:
        await self._http.aclose()
        await self.credential.close()

    def trail(self, what: str) -> PageTrail:
        """A new listing's pages: next links followed only to Graph, once each, up to the cap."""
        return PageTrail(self._base_url, what, self._max_pages)

    def _organiser(self, organiser: str | None) -> str:
        who = organiser or self.organiser
        if not who:
            raise GraphProblem(
                0, "no_organiser", "GRAPH_ORGANISER (the meetings' organiser) is not set"
            )
        return who

    async def _raw(self, request: RequestInformation) -> dict[str, Any]:
        request.headers.try_add("Accept", "application/json")
        try:
            body = await self._adapter.send_primitive_async(request, "bytes", ERRORS)
        except (APIError, httpx.HTTPError) as error:
            raise _problem(error) from error
        return json.loads(body) if body else {}

    # --- meetings --------------------------------------------------------------------------

    async def create_teams_meeting(
        self,
        *,
        transaction_id: str,
        subject: str,
        starts_at: datetime,
        ends_at: datetime,
        body_html: str = "",
        organiser: str | None = None,
    ) -> TeamsMeeting:
        """A calendar event with a Teams meeting; the same `transaction_id` never makes two."""
        event = Event(
            subject=subject,
            body=ItemBody(content_type=BodyType.Html, content=body_html),
            start=DateTimeTimeZone(date_time=_utc_text(starts_at), time_zone="UTC"),
            end=DateTimeTimeZone(date_time=_utc_text(ends_at), time_zone="UTC"),
            is_online_meeting=True,
            online_meeting_provider=OnlineMeetingProviderType.TeamsForBusiness,
            transaction_id=transaction_id,
            attendees=[],
        )
        try:
            created = await self._sdk.users.by_user_id(self._organiser(organiser)).events.post(
                event
            )
        except APIError as error:
            raise _problem(error) from error
        if created is None or not created.id:
            raise GraphProblem(0, "no_event", "Graph created no event")
        join_url = created.online_meeting.join_url if created.online_meeting else None
        return TeamsMeeting(created.id, join_url, created.transaction_id)

    async def _attendees(self, organiser: str, event_id: str) -> list[Attendee]:
        config = RequestConfiguration(
            query_parameters=EventItemRequestBuilder.EventItemRequestBuilderGetQueryParameters(
                select=["attendees"]
            )
        )
        try:
            event = await (
                self._sdk.users.by_user_id(organiser).events.by_event_id(event_id).get(config)
            )
        except APIError as error:
            raise _problem(error) from error
        return list(event.attendees or []) if event else []

    async def _set_attendees(self, organiser: str, event_id: str, people: list[Attendee]) -> None:
        try:
            await (
                self._sdk.users.by_user_id(organiser)
                .events.by_event_id(event_id)
                .patch(Event(attendees=people))
            )
        except APIError as error:
            raise _problem(error) from error

    async def update_attendees(
        self,
        event_id: str,
        *,
        invite: Sequence[tuple[str, str]] = (),
        uninvite: Sequence[str] = (),
        organiser: str | None = None,
    ) -> tuple[int, int]:
        """Invite `(email, name)`s and take `email`s off the event in one read and one write
        (Graph sends the invitations and cancellations); people anyone else put on the event
        are left alone. Returns how many were added and removed: (0, 0) means no write.

        The write carries the attendees alone: Graph then sends a meeting update only to the
        attendees that changed (learn.microsoft.com/graph/api/event-update)."""
        who = self._organiser(organiser)
        kept, added, removed = await self._attendee_list(who, event_id, invite, uninvite)
        if added or removed:
            await self._set_attendees(who, event_id, kept)
        return added, removed

    async def move_event(
        self,
        event_id: str,
        starts_at: datetime,
        ends_at: datetime,
        *,
        invite: Sequence[tuple[str, str]] = (),
        uninvite: Sequence[str] = (),
        organiser: str | None = None,
    ) -> None:
        """Give the event new times (its Teams meeting and join link stay the same), with any
        attendee changes in the same write: every attendee gets one update at the new time."""
        who = self._organiser(organiser)
        change = Event(
            start=DateTimeTimeZone(date_time=_utc_text(starts_at), time_zone="UTC"),
            end=DateTimeTimeZone(date_time=_utc_text(ends_at), time_zone="UTC"),
        )
        if invite or uninvite:
            kept, added, removed = await self._attendee_list(who, event_id, invite, uninvite)
            if added or removed:
                change.attendees = kept
        try:
            await self._sdk.users.by_user_id(who).events.by_event_id(event_id).patch(change)
        except APIError as error:
            raise _problem(error) from error

    async def _attendee_list(
        self,
        who: str,
        event_id: str,
        invite: Sequence[tuple[str, str]],
        uninvite: Sequence[str],
    ) -> tuple[list[Attendee], int, int]:
        """The event's attendees with `invite` added and `uninvite` taken off, and how many
        were added and removed."""
        people = await self._attendees(who, event_id)
        leaving = {e.lower() for e in uninvite}
        kept = [a for a in people if _address(a) not in leaving]
        present = {_address(a) for a in kept}
        added = 0
        for email, name in invite:
            if email.lower() in present:
                continue
            present.add(email.lower())
            kept.append(
                Attendee(
                    email_address=EmailAddress(address=email, name=name),
                    type=AttendeeType.Required,
                )
            )
            added += 1
        removed = len(people) - (len(kept) - added)
        return kept, added, removed

    async def add_attendee(
        self, event_id: str, email: str, name: str, organiser: str | None = None
    ) -> bool:
        """Invite someone (Graph sends the invitation); False when they were already invited."""
        added, _ = await self.update_attendees(
            event_id, invite=[(email, name)], organiser=organiser
        )
        return added > 0

    async def remove_attendee(
        self, event_id: str, email: str, organiser: str | None = None
    ) -> bool:
        _, removed = await self.update_attendees(event_id, uninvite=[email], organiser=organiser)
        return removed > 0

    async def cancel_event(self, event_id: str, comment: str, organiser: str | None = None) -> bool:
        """Cancel the event (Graph tells every attendee, with `comment`); False when it is
        already gone (deleted in Outlook, say), which is as good as cancelled."""
        builder = self._sdk.users.by_user_id(self._organiser(organiser)).events.by_event_id(
            event_id
        )
        try:
            await builder.cancel.post(CancelPostRequestBody(comment=comment))
        except APIError as error:
            problem = _problem(error)
            if problem.not_found:
                return False
            raise problem from error
        return True

    async def find_meeting(
        self, join_url: str, organiser: str | None = None
    ) -> OnlineMeeting | None:
        """The online meeting behind a join link (the link exactly as in the invitation)."""
        escaped = join_url.replace("'", "''")
        config = RequestConfiguration(
            query_parameters=OnlineMeetingsRequestBuilder.OnlineMeetingsRequestBuilderGetQueryParameters(
                filter=f"JoinWebUrl eq '{escaped}'"
            )
        )
        builder = self._sdk.users.by_user_id(self._organiser(organiser)).online_meetings
        # Raw JSON: kiota's onlineMeeting model costs ~20 ms of CPU to parse, per meeting.
        found = await self._raw(builder.to_get_request_information(config))
        for meeting in found.get("value") or []:
            if isinstance(meeting, dict) and meeting.get("id"):
                return OnlineMeeting(
                    str(meeting["id"]), meeting.get("joinWebUrl"), meeting.get("subject")
                )
        return None

    # --- attendance --------------------------------------------------------------------------

    def _meeting(self, meeting_id: str, organiser: str | None) -> OnlineMeetingItemRequestBuilder:
        return self._sdk.users.by_user_id(
            self._organiser(organiser)
        ).online_meetings.by_online_meeting_id(meeting_id)

    async def attendance_reports(
        self, meeting_id: str, organiser: str | None = None
    ) -> list[AttendanceReport]:
        """Every report of the meeting (one per sitting), without their records."""
        builder = self._meeting(meeting_id, organiser).attendance_reports
        request = builder.to_get_request_information()
        trail = self.trail("attendance reports")
        reports: list[AttendanceReport] = []
        while True:
            page = await self._raw(request)
            for raw in page.get("value") or []:
                if isinstance(raw, dict) and raw.get("id"):
                    reports.append(
                        AttendanceReport(
                            str(raw["id"]),
                            parse_time(raw.get("meetingStartDateTime")),
                            parse_time(raw.get("meetingEndDateTime")),
                            raw,
                        )
                    )
            next_link = page.get("@odata.nextLink")
            if not isinstance(next_link, str):
                return reports
            request = builder.with_url(trail.follow(next_link)).to_get_request_information()

    def first_records_url(
        self, meeting_id: str, report_id: str, organiser: str | None = None
    ) -> str:
        builder = (
            self._meeting(meeting_id, organiser)
            .attendance_reports.by_meeting_attendance_report_id(report_id)
            .attendance_records
        )
        request = builder.to_get_request_information()
        # The adapter fills in the base URL only when it sends; we want the address to store.
        request.path_parameters["baseurl"] = self._adapter.base_url
        return str(request.url)

    async def records_page(self, url: str) -> RecordPage:
        """One page of records from an absolute URL (the first, or an `@odata.nextLink`, kept
        in the database between tries: the caller's `trail` follows it, this checks its host)."""
        # Any builder's with_url() sends to an absolute URL through the same adapter.
        builder = self._sdk.users.with_url(self.trail("attendance records").check(url))
        page = await self._raw(builder.to_get_request_information())
        records = [r for r in page.get("value") or [] if isinstance(r, dict)]
        next_link = page.get("@odata.nextLink")
        return RecordPage(records, next_link if isinstance(next_link, str) else None)

    # --- people ---------------------------------------------------------------------------------

    async def user(self, user_id: str) -> DirectoryUser | None:
        """The person in Entra ID, or None when there is no such user."""
        return await self._directory_user(
            self._sdk.users.by_user_id(user_id).get,
            UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=USER_FIELDS),
        )

    async def manager(self, user_id: str) -> DirectoryUser | None:
        """The person's manager in Entra ID, or None when none is set."""
        return await self._directory_user(
            self._sdk.users.by_user_id(user_id).manager.get,
            ManagerRequestBuilder.ManagerRequestBuilderGetQueryParameters(select=USER_FIELDS),
        )

    async def _directory_user(
        self, get: Callable[[RequestConfiguration[Query]], Awaitable[object]], query: Query
    ) -> DirectoryUser | None:
        """One user read with `get` (a request builder's), with `query` selecting USER_FIELDS;
        None when Graph answers that there is none."""
        try:
            found = await get(RequestConfiguration(query_parameters=query))
        except APIError as error:
            problem = _problem(error)
            if problem.not_found:
                return None
            raise problem from error
        return _person(found)

    async def group_users(self, group_id: str) -> list[GroupMember]:
        """Every user in the group, through nested groups too (other kinds of member, such as
        devices, are left out by Graph), following every page."""
        config = RequestConfiguration(
            query_parameters=GraphUserRequestBuilder.GraphUserRequestBuilderGetQueryParameters(
                select=MEMBER_FIELDS, top=MEMBERS_PER_PAGE
            )
        )
        builder = self._sdk.groups.by_group_id(group_id).transitive_members.graph_user
        trail = self.trail(f"group {group_id}'s members")
        members: list[GroupMember] = []
        try:
            page = await builder.get(config)
            while page is not None:
                members += [
                    GroupMember(user.id, user.mail, user.user_principal_name)
                    for user in page.value or []
                    if user.id
                ]
                if not page.odata_next_link:
                    break
                page = await builder.with_url(trail.follow(page.odata_next_link)).get()
        except (APIError, httpx.HTTPError) as error:
            raise _problem(error) from error
        return members

    async def departments(self) -> AsyncIterator[list[DirectoryDepartment]]:
        """Every user in the directory with their department, a page at a time:
        `GET /users?$select=id,mail,userPrincipalName,department&$top=999`, then each
        `@odata.nextLink`. One read a day covers everyone the bot knows, by object id or email,
        with a request per 999 users and no state to keep between reads. Raises `GraphProblem`
        (after the SDK's retries) at the page that failed; the pages before it were yielded.

        Read as raw JSON through the same adapter: kiota's user model costs about 4.5 ms of
        CPU per user to parse (45 s for a 10,000-user directory, on the event loop)."""
        config = RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                select=DEPARTMENT_FIELDS, top=USERS_PER_PAGE
            )
        )
        request = self._sdk.users.to_get_request_information(config)
        trail = self.trail("the directory's users")
        while True:
            page = await self._raw(request)
            yield [
                DirectoryDepartment(
                    str(user["id"]),
                    _text(user.get("mail")),
                    _text(user.get("userPrincipalName")),
                    _text(user.get("department")),
                )
                for user in page.get("value") or []
                if isinstance(user, dict) and user.get("id")
            ]
            next_link = page.get("@odata.nextLink")
            if not isinstance(next_link, str):
                return
            request = self._sdk.users.with_url(trail.follow(next_link)).to_get_request_information()


def _person(found: Any) -> DirectoryUser | None:
    if found is None or not getattr(found, "id", None):
        return None
    return DirectoryUser(
        id=found.id,
        display_name=getattr(found, "display_name", None) or "",
        email=getattr(found, "mail", None) or getattr(found, "user_principal_name", None),
        department=getattr(found, "department", None),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _address(attendee: Attendee) -> str:
    address = attendee.email_address.address if attendee.email_address else None
    return (address or "").lower()


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
