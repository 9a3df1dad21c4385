"""The aiohttp application factory."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from bot.bootstrap import Wrapbot, build
from bot.certificate_links import download_route
from bot.downloads import Downloads
from bot.endpoint import MAX_BODY_BYTES, messages_handler
from bot.file_delivery import export_download_route
from config.settings import Settings
from database.engine import Database
from graph.client import GraphClient
from training.dates.clock import Clock

WRAPBOT = web.AppKey("wrapbot", Wrapbot)
HEALTH_SECONDS = 1.5
# The probe's own threads: it asks the database directly, never queued behind the database's
# own threads (all of them may be waiting on a database that stopped answering) or others.
HEALTH_THREADS = web.AppKey("health_threads", ThreadPoolExecutor)


def create_app(
    settings: Settings,
    database: Database,
    clock: Clock | None = None,
    graph: GraphClient | None = None,
    *,
    downloads: Downloads | None = None,
) -> web.Application:
    """The bot's web app around the parts `bot.bootstrap.build` makes (see there for the
    arguments): /api/messages, certificate downloads, a health probe, and the background
    work that starts and stops with it. Refuses (RefusedToStart) settings that fail open."""
    settings.refuse_unsafe()
    parts = build(settings, database, clock, graph, downloads=downloads)
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[WRAPBOT] = parts
    app[HEALTH_THREADS] = ThreadPoolExecutor(2, thread_name_prefix="healthz")
    app.router.add_post(
        "/api/messages",
        messages_handler(parts.adapter, parts.bot, local_mode=settings.local_mode),
    )
    app.router.add_get(
        "/certificates/{token}",
        download_route(parts.links, database, parts.bot.clock),
    )
    if parts.export_links is not None:
        app.router.add_get(
            "/exports/{token}",
            export_download_route(parts.export_links, database, parts.bot.clock),
        )
    app.router.add_get("/healthz", _health)
    app.on_startup.append(_start_background)
    app.on_cleanup.append(_stop_background)
    return app


async def _start_background(app: web.Application) -> None:
    parts = app[WRAPBOT]
    # Each waits up to its first read; side by side, start-up waits for the slowest only.
    await asyncio.gather(*(group.start() for group in parts.role_groups))
    parts.sender.start()
    if parts.settings.scheduler_enabled:
        await parts.scheduler.start()


async def _stop_background(app: web.Application) -> None:
    parts = app[WRAPBOT]
    await parts.background.drain()  # first: background work may still hand over notices
    await parts.scheduler.stop()
    await parts.sender.stop()
    for group in parts.role_groups:
        await group.stop()
    if parts.owns_graph and parts.graph is not None:
        await parts.graph.close()
    app[HEALTH_THREADS].shutdown(wait=False, cancel_futures=True)


async def _health(request: web.Request) -> web.Response:
    """200 when the database answers `SELECT 1` within HEALTH_SECONDS, else 503 (a database
    that stops answering must not leave the load balancer's probe hanging too)."""
    database = request.app[WRAPBOT].database

    def probe() -> None:
        with database.unit_of_work() as db:
            db.connection().exec_driver_sql("SELECT 1")

    probing = asyncio.get_running_loop().run_in_executor(request.app[HEALTH_THREADS], probe)
    try:
        await asyncio.wait_for(probing, HEALTH_SECONDS)
    except Exception as problem:  # report, don't crash: a probe wants an answer
        return web.json_response(
            {"status": "unhealthy", "database": type(problem).__name__}, status=503
        )
    return web.json_response({"status": "ok"})
