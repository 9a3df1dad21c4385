"""The aiohttp application factory."""

from aiohttp import web

from bot.adapter import create_adapter
from bot.endpoint import MAX_BODY_BYTES, messages_handler
from bot.handlers import Handlers
from bot.proactive import Notifier
from bot.storage import Storage
from bot.teams_bot import WrapBot
from bot.training_records_handlers import TrainingRecordHandlers
from graph.client import GraphClient
from training.clock import Clock, SystemClock
from training.db import Database
from training.settings import Settings

BOT = web.AppKey("bot", WrapBot)
NOTIFIER = web.AppKey("notifier", Notifier)
DATABASE = web.AppKey("database", Database)


def create_app(
    settings: Settings,
    database: Database,
    clock: Clock | None = None,
    graph: GraphClient | None = None,
) -> web.Application:
    """The bot's web app. `graph` defaults to a client built from the settings when Graph is
    configured (tests pass one pointed at their local servers); without it, Graph features
    say plainly that Graph is not set up."""
    clock = clock or SystemClock()
    storage = Storage(database)
    adapter = create_adapter(settings)
    notifier = Notifier(adapter, storage, settings.microsoft_app_id)
    owns_graph = graph is None and settings.graph_configured
    if owns_graph:
        graph = GraphClient(settings)
    handlers = Handlers(storage, clock, settings.zone)
    handlers.add_routes(
        TrainingRecordHandlers(storage, clock, settings.zone, settings, graph).routes()
    )
    bot = WrapBot(settings, storage, handlers, notifier, clock)

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[BOT] = bot
    app[NOTIFIER] = notifier
    app[DATABASE] = database
    app.router.add_post("/api/messages", messages_handler(adapter, bot))
    app.router.add_get("/healthz", _health)

    async def _drain(_app: web.Application) -> None:
        await notifier.drain()

    app.on_shutdown.append(_drain)
    if owns_graph and graph is not None:
        client = graph

        async def _close_graph(_app: web.Application) -> None:
            await client.close()

        app.on_cleanup.append(_close_graph)
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
