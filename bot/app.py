"""The aiohttp application factory."""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import web

from bot.adapter import BotFrameworkConfig, create_adapter
from bot.background import Background
from bot.calendar_updates import CalendarUpdates
from bot.certificate_links import CertificateLinks, download_route
from bot.credentials import BotCredentials
from bot.endpoint import MAX_BODY_BYTES, messages_handler
from bot.file_uploads import FileUploads
from bot.handlers import Handlers
from bot.proactive import Notifier
from bot.ratelimit import TeamsRateLimiter
from bot.sender import BotConnectorDelivery, ProactiveSender
from bot.teams_bot import WrapBot
from bot.training_records_handlers import TrainingRecordHandlers
from config.settings import Settings
from graph.attendance_sync import sync_recent_sessions
from graph.calendar_sync import retry_pending
from graph.client import GraphClient
from graph.coordinator_group import CoordinatorGroup
from scheduler.service import SchedulerOptions, SchedulerService
from scheduler.sweep import ReminderSweep
from training.clock import Clock, SystemClock
from training.coordinators import Coordinators
from training.db import Database
from training.elearning import CertificateStore
from training.reminders import ReminderPolicy
from training.retention import apply_retention
from training.totals import UnmatchedCounter
from training.unmatched_attendees import count_unmatched

log = logging.getLogger(__name__)

BOT = web.AppKey("bot", WrapBot)
NOTIFIER = web.AppKey("notifier", Notifier)
DATABASE = web.AppKey("database", Database)
BACKGROUND = web.AppKey("background", Background)
SENDER = web.AppKey("sender", ProactiveSender)
SWEEP = web.AppKey("sweep", ReminderSweep)
SCHEDULER = web.AppKey("scheduler", SchedulerService)
COORDINATORS = web.AppKey("coordinators", Coordinators)


def reminder_policy(settings: Settings) -> ReminderPolicy:
    return ReminderPolicy(
        zone=settings.zone,
        offsets_days=tuple(sorted({d for d in settings.reminder_offsets_days if d > 0})),
        hour=settings.reminder_hour,
    )


def create_app(
    settings: Settings,
    database: Database,
    clock: Clock | None = None,
    graph: GraphClient | None = None,
    *,
    unmatched: UnmatchedCounter | None = count_unmatched,
) -> web.Application:
    """The bot's web app. `graph` defaults to a client built from the settings when Graph is
    configured (tests pass one pointed at their local servers); without it, Graph features
    say plainly that Graph is not set up. `unmatched` counts attendees the attendance sync
    could not match (shown with totals as the figures' known gap)."""
    clock = clock or SystemClock()
    credentials = BotCredentials(BotFrameworkConfig(settings), settings)
    adapter = create_adapter(settings, credentials)
    delivery = BotConnectorDelivery(adapter, settings.microsoft_app_id)
    sender = ProactiveSender(
        database,
        delivery,
        clock,
        limiter=TeamsRateLimiter(settings.teams_requests_per_second, settings.teams_rate_headroom),
        lease_seconds=settings.outbox_lease_seconds,
        max_attempts=settings.outbox_max_attempts,
        poll_seconds=settings.outbox_poll_seconds,
    )
    notifier = Notifier(database, sender, clock)
    background = Background()
    owns_graph = graph is None and settings.graph_configured
    if owns_graph:
        graph = GraphClient(settings)
    coordinators = Coordinators(settings.coordinators)
    group = _coordinator_group(settings, graph, coordinators)
    policy = reminder_policy(settings)
    handlers = Handlers(
        database,
        clock,
        settings.zone,
        policy=policy,
        coordinators=coordinators,
        feedback_edit_days=settings.feedback_edit_days,
        unmatched=unmatched,
    )
    calendar_by_graph = graph is not None and bool(settings.graph_organiser)
    if calendar_by_graph:
        assert graph is not None
        handlers.teams_meetings_by_graph = True
        handlers.session_changed = CalendarUpdates(
            background, database, graph, clock
        ).session_changed
    links = CertificateLinks(
        settings.certificate_link_secret.get_secret_value().encode(),
        settings.public_url or f"http://{settings.host}:{settings.port}",
        timedelta(minutes=settings.certificate_link_minutes),
    )
    records = TrainingRecordHandlers(
        database,
        clock,
        settings.zone,
        settings,
        graph,
        background=background,
        tell=notifier.send_soon,
        bot_token=credentials.bot_token,
        links=links,
    )
    handlers.add_routes(records.routes())
    uploads = FileUploads(database, clock, settings, background, delivery.send_activity, unmatched)
    bot = WrapBot(
        settings, database, handlers, notifier, clock, uploads=uploads, coordinators=coordinators
    )
    sweep = ReminderSweep(
        database,
        clock,
        policy,
        coordinators,
        sender.wake,
        attendance_sync=_attendance_sync(database, graph, settings) if graph else None,
        calendar_sync=_calendar_sync(database, graph) if calendar_by_graph and graph else None,
        retention=_retention(database, settings),
        feedback_edit_days=settings.feedback_edit_days,
    )
    scheduler = SchedulerService(
        database.url,
        sweep,
        SchedulerOptions(
            zone=settings.zone,
            sweep_minutes=settings.reminder_sweep_minutes,
            misfire_grace_seconds=settings.scheduler_misfire_grace_seconds,
            leader_poll_seconds=settings.scheduler_leader_poll_seconds,
        ),
    )

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[BOT] = bot
    app[NOTIFIER] = notifier
    app[DATABASE] = database
    app[SENDER] = sender
    app[SWEEP] = sweep
    app[SCHEDULER] = scheduler
    app[BACKGROUND] = background
    app[COORDINATORS] = coordinators
    app.router.add_post("/api/messages", messages_handler(adapter, bot))
    app.router.add_get(
        "/certificates/{token}", download_route(links, database, clock, records.certificates)
    )
    app.router.add_get("/healthz", _health)

    async def _start_background(_app: web.Application) -> None:
        if group is not None:
            await group.start()
        sender.start()
        if settings.scheduler_enabled:
            await scheduler.start()

    async def _stop_background(_app: web.Application) -> None:
        await background.drain()  # first: background work may still hand over notices
        await scheduler.stop()
        await sender.stop()
        if group is not None:
            await group.stop()
        if owns_graph and graph is not None:
            await graph.close()

    app.on_startup.append(_start_background)
    app.on_cleanup.append(_stop_background)
    return app


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
    database: Database, graph: GraphClient, settings: Settings
) -> Callable[[datetime], Awaitable[int]]:
    async def sync(now: datetime) -> int:
        return len(await sync_recent_sessions(database, graph, settings, now))

    return sync


def _calendar_sync(database: Database, graph: GraphClient) -> Callable[[datetime], Awaitable[int]]:
    async def sync(now: datetime) -> int:
        return len(await retry_pending(database, graph, now))

    return sync


def _retention(database: Database, settings: Settings) -> Callable[[datetime], Awaitable[None]]:
    certificates = CertificateStore(settings.certificate_dir)

    async def apply(now: datetime) -> None:
        result = await database.run(apply_retention, now, settings.retention_years)
        for name in result.certificate_files:
            certificates.remove(name)

    return apply


async def _health(request: web.Request) -> web.Response:
    database = request.app[DATABASE]
    try:
        await database.run(lambda db: db.connection().exec_driver_sql("SELECT 1"))
    except Exception as problem:  # report, don't crash: a probe wants an answer
        return web.json_response(
            {"status": "unhealthy", "database": type(problem).__name__}, status=503
        )
    return web.json_response({"status": "ok"})
