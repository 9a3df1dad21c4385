"""The aiohttp application factory."""

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web

from bot.adapter import create_adapter
from bot.endpoint import MAX_BODY_BYTES, messages_handler
from bot.file_uploads import FileUploads
from bot.handlers import Handlers
from bot.proactive import Notifier
from bot.ratelimit import TeamsRateLimiter
from bot.sender import BotConnectorDelivery, ProactiveSender
from bot.storage import Storage
from bot.teams_bot import WrapBot
from bot.training_records_handlers import TrainingRecordHandlers
from graph.attendance_sync import sync_recent_sessions
from graph.client import GraphClient
from scheduler.service import SchedulerOptions, SchedulerService
from scheduler.sweep import ReminderSweep
from training.attendance import count_unmatched
from training.clock import Clock, SystemClock
from training.db import Database
from training.elearning import CertificateStore
from training.reminders import ReminderPolicy
from training.retention import apply_retention
from training.settings import Settings
from training.totals import UnmatchedCounter

BOT = web.AppKey("bot", WrapBot)
NOTIFIER = web.AppKey("notifier", Notifier)
DATABASE = web.AppKey("database", Database)
SENDER = web.AppKey("sender", ProactiveSender)
SWEEP = web.AppKey("sweep", ReminderSweep)
SCHEDULER = web.AppKey("scheduler", SchedulerService)


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
    storage = Storage(database)
    adapter = create_adapter(settings)
    sender = ProactiveSender(
        storage,
        BotConnectorDelivery(adapter, settings.microsoft_app_id),
        clock,
        limiter=TeamsRateLimiter(settings.teams_requests_per_second, settings.teams_rate_headroom),
        lease_seconds=settings.outbox_lease_seconds,
        max_attempts=settings.outbox_max_attempts,
        poll_seconds=settings.outbox_poll_seconds,
    )
    notifier = Notifier(storage, sender, clock)
    owns_graph = graph is None and settings.graph_configured
    if owns_graph:
        graph = GraphClient(settings)
    policy = reminder_policy(settings)
    handlers = Handlers(
        storage,
        clock,
        settings.zone,
        policy=policy,
        coordinators=settings.coordinators,
        feedback_edit_days=settings.feedback_edit_days,
        unmatched=unmatched,
    )
    handlers.add_routes(
        TrainingRecordHandlers(storage, clock, settings.zone, settings, graph).routes()
    )
    uploads = FileUploads(storage, clock, settings, unmatched)
    bot = WrapBot(settings, storage, handlers, notifier, clock, uploads=uploads)
    sweep = ReminderSweep(
        storage,
        clock,
        policy,
        settings.coordinators,
        sender.wake,
        attendance_sync=_attendance_sync(database, graph, settings) if graph else None,
        retention=_retention(storage, settings),
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
    app.router.add_post("/api/messages", messages_handler(adapter, bot))
    app.router.add_get("/healthz", _health)

    async def _start_background(_app: web.Application) -> None:
        sender.start()
        if settings.scheduler_enabled:
            await scheduler.start()

    async def _stop_background(_app: web.Application) -> None:
        await scheduler.stop()
        await sender.stop()
        if owns_graph and graph is not None:
            await graph.close()

    app.on_startup.append(_start_background)
    app.on_cleanup.append(_stop_background)
    return app


def _attendance_sync(
    database: Database, graph: GraphClient, settings: Settings
) -> Callable[[datetime], Awaitable[int]]:
    async def sync(now: datetime) -> int:
        return len(await sync_recent_sessions(database, graph, settings, now))

    return sync


def _retention(storage: Storage, settings: Settings) -> Callable[[datetime], Awaitable[None]]:
    certificates = CertificateStore(settings.certificate_dir)

    async def apply(now: datetime) -> None:
        result = await storage.run(apply_retention, now, settings.retention_years)
        for name in result.certificate_files:
            certificates.remove(name)

    return apply


async def _health(request: web.Request) -> web.Response:
    database = request.app[DATABASE]
    try:
        await Storage(database).run(lambda db: db.connection().exec_driver_sql("SELECT 1"))
    except Exception as problem:  # report, don't crash: a probe wants an answer
        return web.json_response(
            {"status": "unhealthy", "database": type(problem).__name__}, status=503
        )
    return web.json_response({"status": "ok"})
