"""The composition root: the one place that builds every part of a bot process and wires them
together, each dependency passed to its constructor, nothing patched on afterwards."""

import logging
from collections.abc import Awaitable, Callable
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
from bot.router import Router
from bot.sender import BotConnectorDelivery, ProactiveSender
from bot.team_lookups import TeamLookups, no_lookups
from bot.teams_bot import WrapBot
from config.settings import Settings
from database.engine import Database, Timeouts
from graph.attendance_sync import AttendanceSyncPolicy, sync_recent_sessions
from graph.calendar_sync import retry_pending
from graph.client import GraphClient
from graph.coordinator_group import CoordinatorGroup
from graph.directory_teams import refresh_directory
from scheduler.hooks import SeatCards
from scheduler.service import SchedulerOptions, SchedulerService
from scheduler.sweep import ReminderSweep, SweepCards
from training.attendance.completion import CompletionPolicy
from training.data_protection.retention import apply_retention
from training.dates.clock import Clock, SystemClock
from training.governance.reminders import ReminderPolicy
from training.people.coordinators import Coordinators
from training.sessions.offer_rule import OfferPolicy

log = logging.getLogger(__name__)

SWEEP_CARDS = SweepCards(
    reminder=reminder_card,
    feedback=feedback_card,
    seats=SeatCards(offer=seat_offer_card, given=seat_given_card, lapsed=offer_lapsed_card),
)


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
    coordinator_group: CoordinatorGroup | None
    links: CertificateLinks
    export_links: CertificateLinks | None  # None: files go through Teams' file consent
    graph: GraphClient | None
    owns_graph: bool


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


def reminder_policy(settings: Settings) -> ReminderPolicy:
    return ReminderPolicy(
        zone=settings.zone,
        offsets_days=tuple(sorted({d for d in settings.reminder_offsets_days if d > 0})),
        hour=settings.reminder_hour,
    )


def attendance_sync_policy(settings: Settings) -> AttendanceSyncPolicy:
    """Reading Teams attendance, and the completion rule its results and the register go by."""
    return AttendanceSyncPolicy(
        completion=CompletionPolicy(settings.completion_threshold_percent),
        lookback_days=settings.attendance_lookback_days,
        retry_offsets=tuple(settings.attendance_retry_offsets),
        organiser=settings.graph_organiser,
    )


def offer_policy(settings: Settings) -> OfferPolicy:
    return OfferPolicy(settings.seat_offer_window_days, settings.seat_offer_hours)


def rate_limiter(settings: Settings, database: Database) -> TeamsRateLimiter:
    """Teams's limits; on PostgreSQL the tenant's rate is kept in the database, shared by every
    replica (Teams counts per app per tenant, not per process)."""
    rate = settings.teams_requests_per_second * settings.teams_rate_headroom
    shared = DatabasePace(database, rate) if database.dialect == "postgresql" else None
    return TeamsRateLimiter(
        settings.teams_requests_per_second, settings.teams_rate_headroom, shared=shared
    )


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
    clock = clock or SystemClock()
    zone = settings.zone
    credentials = BotCredentials(BotFrameworkConfig(settings), settings)
    adapter = create_adapter(settings, credentials)
    delivery = BotConnectorDelivery(adapter, settings.microsoft_app_id)
    sender = ProactiveSender(
        database,
        delivery,
        clock,
        limiter=rate_limiter(settings, database),
        lease_seconds=settings.outbox_lease_seconds,
        max_attempts=settings.outbox_max_attempts,
        concurrency=settings.outbox_concurrency,
        poll_seconds=settings.outbox_poll_seconds,
    )
    notifier = Notifier(database, sender, clock)
    background = Background()
    owns_graph = graph is None and settings.graph_configured
    if owns_graph:
        graph = GraphClient(settings)
    coordinators = Coordinators(settings.coordinators)
    policy = reminder_policy(settings)
    attendance = attendance_sync_policy(settings)
    meetings_by_graph = graph is not None and bool(settings.graph_organiser)
    seats_changed = (
        CalendarUpdates(
            background, database, graph, clock, timedelta(minutes=settings.calendar_update_minutes)
        ).session_changed
        if meetings_by_graph and graph is not None
        else _no_calendar
    )
    links = CertificateLinks(
        settings.certificate_link_secret.get_secret_value().encode(),
        settings.public_url or f"http://{settings.host}:{settings.port}",
        timedelta(minutes=settings.certificate_link_minutes),
    )
    export_links = (
        CertificateLinks(
            settings.certificate_link_secret.get_secret_value().encode(),
            settings.public_url or f"http://{settings.host}:{settings.port}",
            timedelta(minutes=settings.export_link_minutes),
            path="exports",
            expired=EXPORT_LINK_EXPIRED,
            not_valid=EXPORT_LINK_NOT_VALID,
        )
        if settings.exports_by_link
        else None
    )
    file_delivery = FileDelivery(database, clock, export_links)
    help_ = HelpCommands()
    downloads = downloads or Downloads(
        DownloadRules(tuple(settings.download_hosts), local=settings.local_mode)
    )
    elearning = ELearningCommands(
        database,
        clock,
        zone,
        CertificateRules(
            settings.elearning_course_code,
            settings.certificate_max_bytes,
            named_manager_needs_approval=settings.named_manager_needs_approval,
        ),
        graph=graph,
        downloads=downloads,
        bot_token=credentials.bot_token,
        links=links,
    )
    totals = TotalsCommands(database, clock, zone, file_delivery)
    files = FileCommands(
        database,
        clock,
        zone,
        background=background,
        reply=delivery.send_activity,
        read_query=totals.read,
        uploads=downloads,
    )
    router = Router(
        # The order phrases are tried in: the first feature that reads a message wins.
        [
            help_,
            elearning,
            MyTrainingCommands(database, clock, zone),
            # 'session 12 attendance' before the sessions' 'session 12' (the roster)
            AttendanceCommands(
                database, clock, zone, attendance, graph, background, notifier.send_soon
            ),
            # 'edit session 12' and 'message session 12 ...' before the sessions' phrases
            SessionLifeCommands(
                database,
                clock,
                zone,
                seats_changed,
                file_delivery,
                teams_meetings_by_graph=meetings_by_graph,
                offers=offer_policy(settings),
            ),
            RegisterCommands(database, clock, zone, attendance.completion),
            # 'cancel session 12' before booking's 'cancel 12'
            SessionCommands(
                database, clock, zone, seats_changed, teams_meetings_by_graph=meetings_by_graph
            ),
            BookingCommands(
                database,
                clock,
                zone,
                seats_changed,
                offer_policy(settings),
                undo=timedelta(minutes=settings.booking_undo_minutes),
            ),
            AuditCommands(database, clock, zone),
            BoardCommands(database, clock, zone, policy, coordinators),
            TeamCommands(database, clock, downloads),
            # 'feedback summary 12' before feedback's 'feedback 12'
            totals,
            FeedbackCommands(database, clock, zone, settings.feedback_edit_days),
            files,
        ],
        not_understood=help_.not_understood,
        files_offered=elearning.files_offered,
    )
    bot = WrapBot(
        settings,
        database,
        router,
        notifier,
        clock,
        files,
        coordinators,
        RateLimit(settings.rate_limit_burst, settings.rate_limit_per_second),
        # After first contact, the person's Entra department is read in the background.
        contacted=TeamLookups(background, database, graph, clock).contacted
        if graph is not None
        else no_lookups,
    )
    sweep = ReminderSweep(
        database,
        clock,
        policy,
        coordinators,
        sender.wake,
        cards=SWEEP_CARDS,
        attendance_sync=_attendance_sync(database, graph, attendance) if graph else None,
        calendar_sync=_calendar_sync(database, graph, settings)
        if meetings_by_graph and graph
        else None,
        retention=retention(database, settings, coordinators),
        directory_refresh=_directory_refresh(database, graph) if graph else None,
        feedback_edit_days=settings.feedback_edit_days,
        offers=offer_policy(settings),
    )
    scheduler = SchedulerService(
        database.url,
        sweep,
        SchedulerOptions(
            zone=zone,
            sweep_minutes=settings.reminder_sweep_minutes,
            misfire_grace_seconds=settings.scheduler_misfire_grace_seconds,
            leader_poll_seconds=settings.scheduler_leader_poll_seconds,
        ),
    )
    return Wrapbot(
        settings=settings,
        database=database,
        adapter=adapter,
        bot=bot,
        router=router,
        notifier=notifier,
        sender=sender,
        background=background,
        sweep=sweep,
        scheduler=scheduler,
        coordinators=coordinators,
        coordinator_group=_coordinator_group(settings, graph, coordinators),
        links=links,
        export_links=export_links,
        graph=graph,
        owns_graph=owns_graph,
    )


def _no_calendar(session_id: int) -> None:
    return None


def _coordinator_group(
    settings: Settings, graph: GraphClient | None, coordinators: Coordinators
) -> CoordinatorGroup | None:
    if not settings.coordinator_group_id:
        return None
    if graph is None:
        log.warning(
            "COORDINATOR_GROUP_ID is set but Microsoft Graph is not configured: "
            "only the people in COORDINATORS are coordinators"
        )
        return None
    return CoordinatorGroup(
        graph,
        settings.coordinator_group_id,
        coordinators,
        settings.coordinator_group_refresh_minutes * 60,
    )


def _attendance_sync(
    database: Database, graph: GraphClient, policy: AttendanceSyncPolicy
) -> Callable[[datetime], Awaitable[int]]:
    async def sync(now: datetime) -> int:
        return len(await sync_recent_sessions(database, graph, policy, now))

    return sync


def _calendar_sync(
    database: Database, graph: GraphClient, settings: Settings
) -> Callable[[datetime], Awaitable[int]]:
    every = timedelta(minutes=settings.calendar_update_minutes)

    async def sync(now: datetime) -> int:
        return len(await retry_pending(database, graph, now, update_every=every))

    return sync


def _directory_refresh(
    database: Database, graph: GraphClient
) -> Callable[[datetime], Awaitable[None]]:
    async def refresh(now: datetime) -> None:
        await refresh_directory(database, graph, now)

    return refresh


def retention(
    database: Database,
    settings: Settings,
    coordinators: Coordinators,
) -> Callable[[datetime], Awaitable[None]]:
    async def apply(now: datetime) -> None:
        # Until the coordinators' group has been read, nobody is known not to be one.
        known = coordinators.group_read or not settings.coordinator_group_id
        await database.run(
            apply_retention,
            now,
            settings.retention_years,
            coordinators=coordinators.identifiers(),
            anonymise_people=known,
        )

    return apply
