"""The composition root: the one place that builds every part of a bot process and wires them
together, each dependency passed to its constructor, nothing patched on afterwards.

Read `build` first: it is the table of contents. Each function below builds one part, once, from
the settings (the one place that reads the environment) and the parts built before it; the
policy objects the parts go by are built once, in `policies`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from botbuilder.integration.aiohttp import CloudAdapter

from bot.adapter import BotFrameworkConfig, create_adapter
from bot.background import Background
from bot.calendar_updates import CalendarUpdates
from bot.cards.booking import offer_lapsed_card, seat_given_card, seat_offer_card
from bot.cards.feedback import feedback_card
from bot.cards.reminders import reminder_card
from bot.certificate_links import CertificateLinks
from bot.credentials import BotCredentials
from bot.downloads import DownloadRules, Downloads
from bot.features.attendance import AttendanceCommands
from bot.features.audit import AuditCommands
from bot.features.boards import BoardCommands
from bot.features.booking import BookingCommands
from bot.features.elearning import CertificateRules, ELearningCommands
from bot.features.feedback import FeedbackCommands
from bot.features.files import FileCommands
from bot.features.help import HelpCommands
from bot.features.my_training import MyTrainingCommands
from bot.features.register import RegisterCommands
from bot.features.session_life import SessionLifeCommands
from bot.features.sessions import SessionCommands
from bot.features.teams import TeamCommands
from bot.features.totals import TotalsCommands
from bot.file_delivery import EXPIRED as EXPORT_LINK_EXPIRED
from bot.file_delivery import NOT_VALID as EXPORT_LINK_NOT_VALID
from bot.file_delivery import FileDelivery
from bot.guard import RateLimit
from bot.proactive import Notifier
from bot.ratelimit import DatabasePace, TeamsRateLimiter
from bot.router import Feature, Router
from bot.sender import BotConnectorDelivery, ProactiveSender
from bot.team_lookups import TeamLookups, no_lookups
from bot.teams_bot import WrapBot
from config.settings import Settings
from database.engine import Database, Timeouts
from graph.attendance_sync import AttendanceSyncPolicy, sync_recent_sessions
from graph.calendar_sync import retry_pending
from graph.client import GraphClient
from graph.coordinator_group import RoleGroup
from graph.directory_teams import refresh_directory
from scheduler import hooks
from scheduler.hooks import SeatCards
from scheduler.service import SchedulerOptions, SchedulerService
from scheduler.sweep import ReminderSweep, SweepStep
from training.attendance.completion import CompletionPolicy
from training.attendance.register import RegisterPolicy
from training.data_protection.retention import apply_retention, retention_due
from training.dates.clock import Clock, SystemClock
from training.governance.reminders import ReminderPolicy
from training.people.coordinators import Coordinators, Members, Roles
from training.people.teams import directory_refresh_due
from training.sessions.offer_rule import OfferPolicy

log = logging.getLogger(__name__)

SEAT_CARDS = SeatCards(offer=seat_offer_card, given=seat_given_card, lapsed=offer_lapsed_card)


@dataclass(frozen=True)
class Wrapbot:
    """Every long-lived part of one bot process."""

    settings: Settings
    database: Database
    adapter: CloudAdapter
    bot: WrapBot
    router: Router
    notifier: Notifier
    sender: ProactiveSender
    background: Background
    sweep: ReminderSweep
    scheduler: SchedulerService
    coordinators: Coordinators
    roles: Roles
    # The roles' Entra groups that are configured (coordinators', reporters', auditors').
    role_groups: tuple[RoleGroup, ...]
    links: CertificateLinks
    export_links: CertificateLinks | None  # None: files go through Teams' file consent
    graph: GraphClient | None
    owns_graph: bool


@dataclass(frozen=True)
class Policies:
    """The small policy objects the parts go by, each built once from the settings."""

    reminders: ReminderPolicy
    offers: OfferPolicy
    attendance: AttendanceSyncPolicy  # holds the completion rule too
    certificates: CertificateRules
    downloads: DownloadRules
    booking_undo: timedelta
    calendar_update_every: timedelta
    feedback_edit_days: int
    register: RegisterPolicy


@dataclass(frozen=True)
class Shared:
    """What most parts are built from: the process's settings, database, clock and Graph
    client, its background tasks, its policies and who holds which role."""

    settings: Settings
    database: Database
    clock: Clock
    graph: GraphClient | None
    owns_graph: bool  # built here, so closed when the process stops
    background: Background
    policies: Policies
    roles: Roles

    @property
    def coordinators(self) -> Coordinators:
        return self.roles.coordinators

    @property
    def meetings_by_graph(self) -> bool:
        """Whether sessions' Teams meetings are made and kept up to date through Graph."""
        return self.graph is not None and bool(self.settings.graph_organiser)


@dataclass(frozen=True)
class Messaging:
    """The way to Teams: the Bot Framework adapter and the outbox's sender."""

    adapter: CloudAdapter
    credentials: BotCredentials
    delivery: BotConnectorDelivery
    sender: ProactiveSender
    notifier: Notifier


@dataclass(frozen=True)
class Links:
    """Signed links for downloads: certificates always, exports when files go by link."""

    certificates: CertificateLinks
    exports: CertificateLinks | None


def build(
    settings: Settings,
    database: Database,
    clock: Clock | None = None,
    graph: GraphClient | None = None,
    *,
    downloads: Downloads | None = None,
) -> Wrapbot:
    """`graph` defaults to a client built from the settings when Graph is configured (tests
    pass one pointed at their local servers); without it, Graph features say plainly that
    Graph is not set up. `downloads` defaults to fetching from `DOWNLOAD_HOSTS` as the mode
    allows (tests of the authenticated bot pass one that reaches their loopback Bot
    Connector)."""
    shared = shared_parts(settings, database, clock, graph)
    messaging = teams_messaging(shared)
    links = download_links(settings)
    downloads = downloads or Downloads(shared.policies.downloads)
    router, files = features(shared, messaging, links, downloads)
    sweep = reminder_sweep(shared, messaging.sender)
    return Wrapbot(
        settings=settings,
        database=database,
        adapter=messaging.adapter,
        bot=wrap_bot(shared, messaging, router, files),
        router=router,
        notifier=messaging.notifier,
        sender=messaging.sender,
        background=shared.background,
        sweep=sweep,
        scheduler=scheduler(shared, sweep),
        coordinators=shared.coordinators,
        roles=shared.roles,
        role_groups=role_groups(settings, shared.graph, shared.roles),
        links=links.certificates,
        export_links=links.exports,
        graph=shared.graph,
        owns_graph=shared.owns_graph,
    )


def policies(settings: Settings) -> Policies:
    return Policies(
        reminders=reminder_policy(settings),
        offers=OfferPolicy(settings.seat_offer_window_days, settings.seat_offer_hours),
        attendance=attendance_sync_policy(settings),
        certificates=CertificateRules(
            settings.elearning_course_code,
            settings.certificate_max_bytes,
            named_manager_needs_approval=settings.named_manager_needs_approval,
        ),
        downloads=DownloadRules(tuple(settings.download_hosts), local=settings.local_mode),
        booking_undo=timedelta(minutes=settings.booking_undo_minutes),
        calendar_update_every=timedelta(minutes=settings.calendar_update_minutes),
        feedback_edit_days=settings.feedback_edit_days,
        register=RegisterPolicy(settings.register_open_days),
    )


def reminder_policy(settings: Settings) -> ReminderPolicy:
    return ReminderPolicy(
        zone=settings.zone,
        offsets_days=tuple(sorted({d for d in settings.reminder_offsets_days if d > 0})),
        hour=settings.reminder_hour,
    )


def attendance_sync_policy(settings: Settings) -> AttendanceSyncPolicy:
    """Reading Teams attendance, and the completion rule its results and the register go by."""
    return AttendanceSyncPolicy(
        completion=CompletionPolicy(
            settings.completion_threshold_percent, home_tenant=settings.home_tenant_id or None
        ),
        lookback_days=settings.attendance_lookback_days,
        retry_offsets=tuple(settings.attendance_retry_offsets),
        organiser=settings.graph_organiser,
    )


def open_database(settings: Settings) -> Database:
    """The process's database, with the timeouts the settings give."""
    return Database(
        settings.database_url,
        Timeouts(
            connect=settings.database_connect_timeout_seconds,
            statement=settings.database_statement_timeout_seconds,
            pool=settings.database_pool_timeout_seconds,
        ),
    )


def shared_parts(
    settings: Settings, database: Database, clock: Clock | None, graph: GraphClient | None
) -> Shared:
    owns_graph = graph is None and settings.graph_configured
    return Shared(
        settings,
        database,
        clock or SystemClock(),
        GraphClient(settings) if owns_graph else graph,
        owns_graph,
        Background(),
        policies(settings),
        Roles(
            Coordinators(settings.coordinators),
            reporters=Members(settings.reporters),
            auditors=Members(settings.auditors),
        ),
    )


def teams_messaging(shared: Shared) -> Messaging:
    """The Bot Framework adapter, and the outbox's sender paced to Teams' limits."""
    settings, database = shared.settings, shared.database
    credentials = BotCredentials(BotFrameworkConfig(settings), settings)
    adapter = create_adapter(settings, credentials)
    delivery = BotConnectorDelivery(adapter, settings.microsoft_app_id)
    sender = ProactiveSender(
        database,
        delivery,
        shared.clock,
        limiter=rate_limiter(settings, database),
        lease_seconds=settings.outbox_lease_seconds,
        max_attempts=settings.outbox_max_attempts,
        concurrency=settings.outbox_concurrency,
        poll_seconds=settings.outbox_poll_seconds,
    )
    notifier = Notifier(database, sender, shared.clock)
    return Messaging(adapter, credentials, delivery, sender, notifier)


def rate_limiter(settings: Settings, database: Database) -> TeamsRateLimiter:
    """Teams's limits; on PostgreSQL the tenant's rate is kept in the database, shared by every
    replica (Teams counts per app per tenant, not per process)."""
    rate = settings.teams_requests_per_second * settings.teams_rate_headroom
    shared = DatabasePace(database, rate) if database.dialect == "postgresql" else None
    return TeamsRateLimiter(
        settings.teams_requests_per_second, settings.teams_rate_headroom, shared=shared
    )


def download_links(settings: Settings) -> Links:
    """Certificates' links, and exports' when files go by link rather than Teams' consent."""
    secret = settings.certificate_link_secret.get_secret_value().encode()
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    exports = CertificateLinks(
        secret,
        base,
        timedelta(minutes=settings.export_link_minutes),
        path="exports",
        expired=EXPORT_LINK_EXPIRED,
        not_valid=EXPORT_LINK_NOT_VALID,
    )
    return Links(
        CertificateLinks(secret, base, timedelta(minutes=settings.certificate_link_minutes)),
        exports if settings.exports_by_link else None,
    )


def features(
    shared: Shared, messaging: Messaging, links: Links, downloads: Downloads
) -> tuple[Router, FileCommands]:
    """Every feature, in the order phrases are tried (the first feature that reads a message
    wins), and the files feature, which the bot also hands Teams' file consent answers."""
    database, clock, zone = shared.database, shared.clock, shared.settings.zone
    help_ = HelpCommands()
    elearning = elearning_feature(shared, messaging, links, downloads)
    file_delivery = FileDelivery(database, clock, links.exports)
    totals = TotalsCommands(database, clock, zone, file_delivery)
    files = files_feature(shared, messaging, downloads)
    life, sessions, booking = session_features(shared, file_delivery)
    in_order: list[Feature] = [
        help_,
        elearning,
        MyTrainingCommands(database, clock, zone),
        # 'session 12 attendance' before the sessions' 'session 12' (the roster)
        attendance_feature(shared, messaging),
        # 'edit session 12' and 'message session 12 ...' before the sessions' phrases
        life,
        RegisterCommands(
            database,
            clock,
            zone,
            shared.policies.attendance.completion,
            shared.policies.register,
        ),
        # 'cancel session 12' before booking's 'cancel 12'
        sessions,
        booking,
        AuditCommands(database, clock, zone),
        BoardCommands(database, clock, zone, shared.policies.reminders, shared.coordinators),
        TeamCommands(database, clock, downloads),
        # 'feedback summary 12' before feedback's 'feedback 12'
        totals,
        FeedbackCommands(database, clock, zone, shared.policies.feedback_edit_days),
        files,
    ]
    router = Router(
        in_order, not_understood=help_.not_understood, files_offered=elearning.files_offered
    )
    return router, files


def elearning_feature(
    shared: Shared, messaging: Messaging, links: Links, downloads: Downloads
) -> ELearningCommands:
    return ELearningCommands(
        shared.database,
        shared.clock,
        shared.settings.zone,
        shared.policies.certificates,
        graph=shared.graph,
        downloads=downloads,
        bot_token=messaging.credentials.bot_token,
        links=links.certificates,
    )


def files_feature(shared: Shared, messaging: Messaging, downloads: Downloads) -> FileCommands:
    return FileCommands(
        shared.database,
        shared.clock,
        shared.settings.zone,
        background=shared.background,
        reply=messaging.delivery.send_activity,
        uploads=downloads,
    )


def attendance_feature(shared: Shared, messaging: Messaging) -> AttendanceCommands:
    return AttendanceCommands(
        shared.database,
        shared.clock,
        shared.settings.zone,
        shared.policies.attendance,
        shared.graph,
        shared.background,
        messaging.notifier.send_soon,
    )


def session_features(
    shared: Shared, file_delivery: FileDelivery
) -> tuple[SessionLifeCommands, SessionCommands, BookingCommands]:
    """Running a session, creating and listing sessions, and booking seats: all three keep
    the session's Teams meeting in line when seats change."""
    database, clock, zone = shared.database, shared.clock, shared.settings.zone
    changed = seats_changed(shared)
    by_graph = shared.meetings_by_graph
    offers = shared.policies.offers
    return (
        SessionLifeCommands(
            database,
            clock,
            zone,
            changed,
            file_delivery,
            teams_meetings_by_graph=by_graph,
            offers=offers,
        ),
        SessionCommands(database, clock, zone, changed, teams_meetings_by_graph=by_graph),
        BookingCommands(database, clock, zone, changed, offers, undo=shared.policies.booking_undo),
    )


def seats_changed(shared: Shared) -> Callable[[int], None]:
    """What to do when a session's seats change: bring its Teams meeting's attendees in line
    (in the background, through Graph), or nothing when meetings are not made through Graph."""
    if not shared.meetings_by_graph or shared.graph is None:
        return _no_calendar
    updates = CalendarUpdates(
        shared.background,
        shared.database,
        shared.graph,
        shared.clock,
        shared.policies.calendar_update_every,
    )
    return updates.session_changed


def _no_calendar(session_id: int) -> None:
    return None


def wrap_bot(shared: Shared, messaging: Messaging, router: Router, files: FileCommands) -> WrapBot:
    settings, graph = shared.settings, shared.graph
    return WrapBot(
        settings,
        shared.database,
        router,
        messaging.notifier,
        shared.clock,
        files,
        shared.roles,
        RateLimit(settings.rate_limit_burst, settings.rate_limit_per_second),
        # After first contact, the person's Entra department is read in the background.
        contacted=TeamLookups(shared.background, shared.database, graph, shared.clock).contacted
        if graph is not None
        else no_lookups,
    )


def reminder_sweep(shared: Shared, sender: ProactiveSender) -> ReminderSweep:
    return ReminderSweep(
        shared.database,
        shared.clock,
        shared.policies.reminders,
        shared.coordinators,
        sender.wake,
        reminder_card=reminder_card,
        steps=sweep_steps(shared),
    )


def sweep_steps(shared: Shared) -> list[SweepStep]:
    """What the sweep does after queuing the reminders, in this order: the whole list."""
    database, zone, graph = shared.database, shared.settings.zone, shared.graph
    steps = [
        hooks.seat_offer_step(database, shared.policies.offers, zone, SEAT_CARDS),
        hooks.feedback_step(database, shared.policies.feedback_edit_days, zone, feedback_card),
    ]
    if graph is not None:
        steps.append(attendance_step(database, graph, shared.policies.attendance))
    if graph is not None and shared.meetings_by_graph:
        steps.append(calendar_step(database, graph, shared.policies.calendar_update_every))
    steps.append(retention_step(database, shared.settings, shared.coordinators))
    if graph is not None:
        steps.append(directory_step(database, graph))
    return steps


def attendance_step(
    database: Database, graph: GraphClient, policy: AttendanceSyncPolicy
) -> SweepStep:
    """Teams attendance read for the sessions due a look; counts the sessions looked at."""

    async def sync(now: datetime) -> int:
        return len(await sync_recent_sessions(database, graph, policy, now))

    return SweepStep("attendance", sync)


def calendar_step(database: Database, graph: GraphClient, every: timedelta) -> SweepStep:
    """Teams meeting updates that failed, tried again; counts the meetings tried."""

    async def retry(now: datetime) -> int:
        return len(await retry_pending(database, graph, now, update_every=every))

    return SweepStep("calendar", retry)


def retention_step(database: Database, settings: Settings, coordinators: Coordinators) -> SweepStep:
    """The retention rule, once a day."""

    async def apply(now: datetime) -> int:
        # Until the coordinators' group has been read, nobody is known not to be one.
        known = coordinators.group_read or not settings.coordinator_group_id
        await database.run(
            apply_retention,
            now,
            settings.retention_years,
            coordinators=coordinators.identifiers(),
            anonymise_people=known,
        )
        return 1

    return SweepStep("retention", apply, due=retention_due)


def directory_step(database: Database, graph: GraphClient) -> SweepStep:
    """Everyone's Entra department read again, once a day; counts the people filed."""

    async def refresh(now: datetime) -> int:
        return (await refresh_directory(database, graph, now)).people

    return SweepStep("directory", refresh, due=directory_refresh_due)


def scheduler(shared: Shared, sweep: ReminderSweep) -> SchedulerService:
    settings = shared.settings
    return SchedulerService(
        shared.database.url,
        sweep,
        SchedulerOptions(
            zone=settings.zone,
            sweep_minutes=settings.reminder_sweep_minutes,
            misfire_grace_seconds=settings.scheduler_misfire_grace_seconds,
            leader_poll_seconds=settings.scheduler_leader_poll_seconds,
        ),
    )


def role_groups(
    settings: Settings, graph: GraphClient | None, roles: Roles
) -> tuple[RoleGroup, ...]:
    """A reader for each role given an Entra group; none without Graph (the people named in
    the settings alone hold the roles)."""
    wanted: list[tuple[str, Members, str]] = [
        ("coordinator", roles.coordinators, settings.coordinator_group_id),
        ("reporter", roles.reporters, settings.reporter_group_id),
        ("auditor", roles.auditors, settings.auditor_group_id),
    ]
    groups = []
    for role, members, group_id in wanted:
        named_setting = f"{role.upper()}S"
        if not group_id:
            continue
        if graph is None:
            log.warning(
                "%s_GROUP_ID is set but Microsoft Graph is not configured: "
                "only the people in %s are %ss",
                role.upper(),
                named_setting,
                role,
            )
            continue
        groups.append(
            RoleGroup(
                graph,
                group_id,
                members,
                settings.coordinator_group_refresh_minutes * 60,
                role=role,
                named_setting=named_setting,
            )
        )
    return tuple(groups)
