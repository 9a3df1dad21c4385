"""The aiohttp application factory."""

from datetime import timedelta

from aiohttp import web

from bot.adapter import BotFrameworkConfig, create_adapter
from bot.background import Background
from bot.calendar_updates import CalendarUpdates
from bot.certificate_links import CertificateLinks, download_route
from bot.credentials import BotCredentials
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
BACKGROUND = web.AppKey("background", Background)


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
    credentials = BotCredentials(BotFrameworkConfig(settings), settings)
    adapter = create_adapter(settings, credentials)
    notifier = Notifier(adapter, storage, settings.microsoft_app_id)
    background = Background()
    owns_graph = graph is None and settings.graph_configured
    if owns_graph:
        graph = GraphClient(settings)
    handlers = Handlers(storage, clock, settings.zone)
    if graph is not None and settings.graph_organiser:
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
        storage,
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
    bot = WrapBot(settings, storage, handlers, notifier, clock)

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[BOT] = bot
    app[NOTIFIER] = notifier
    app[DATABASE] = database
    app[BACKGROUND] = background
    app.router.add_post("/api/messages", messages_handler(adapter, bot))
    app.router.add_get(
        "/certificates/{token}", download_route(links, storage, clock, records.certificates)
    )
    app.router.add_get("/healthz", _health)

    async def _drain(_app: web.Application) -> None:
        await background.drain()  # first: background work may still hand over notices
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
