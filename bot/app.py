"""The aiohttp application factory."""

from aiohttp import web

from bot.adapter import create_adapter
from bot.endpoint import MAX_BODY_BYTES, messages_handler
from bot.file_uploads import FileUploads
from bot.handlers import Handlers
from bot.proactive import Notifier
from bot.storage import Storage
from bot.teams_bot import WrapBot
from training.clock import Clock, SystemClock
from training.db import Database
from training.settings import Settings
from training.totals import UnmatchedCounter

BOT = web.AppKey("bot", WrapBot)
NOTIFIER = web.AppKey("notifier", Notifier)
DATABASE = web.AppKey("database", Database)


def create_app(
    settings: Settings,
    database: Database,
    clock: Clock | None = None,
    *,
    unmatched: UnmatchedCounter | None = None,
) -> web.Application:
    """`unmatched` counts attendees the attendance sync could not match (shown with totals)."""
    clock = clock or SystemClock()
    storage = Storage(database)
    adapter = create_adapter(settings)
    notifier = Notifier(adapter, storage, settings.microsoft_app_id)
    handlers = Handlers(
        storage,
        clock,
        settings.zone,
        feedback_edit_days=settings.feedback_edit_days,
        unmatched=unmatched,
    )
    uploads = FileUploads(storage, clock, settings, unmatched)
    bot = WrapBot(settings, storage, handlers, notifier, clock, uploads)

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[BOT] = bot
    app[NOTIFIER] = notifier
    app[DATABASE] = database
    app.router.add_post("/api/messages", messages_handler(adapter, bot))
    app.router.add_get("/healthz", _health)

    async def _drain(_app: web.Application) -> None:
        await notifier.drain()

    app.on_shutdown.append(_drain)
    return app


async def _health(request: web.Request) -> web.Response:
    database = request.app[DATABASE]
    try:
        await Storage(database).run(lambda db: db.connection().exec_driver_sql("SELECT 1"))
    except Exception as problem:  # report, don't crash: a probe wants an answer
        return web.json_response(
            {"status": "unhealthy", "database": type(problem).__name__}, status=503
        )
    return web.json_response({"status": "ok"})
