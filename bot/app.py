"""The aiohttp application factory."""

from aiohttp import web

from bot.adapter import create_adapter
from bot.endpoint import MAX_BODY_BYTES, messages_handler
from bot.handlers import Handlers
from bot.proactive import Notifier
from bot.storage import Storage
from bot.teams_bot import WrapBot
from training.clock import Clock, SystemClock
from training.db import Database
from training.settings import Settings

BOT = web.AppKey("bot", WrapBot)
NOTIFIER = web.AppKey("notifier", Notifier)
DATABASE = web.AppKey("database", Database)


def create_app(
    settings: Settings, database: Database, clock: Clock | None = None
) -> web.Application:
    clock = clock or SystemClock()
    storage = Storage(database)
    adapter = create_adapter(settings)
    notifier = Notifier(adapter, storage, settings.microsoft_app_id)
    bot = WrapBot(settings, storage, Handlers(storage, clock, settings.zone), notifier, clock)

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
