"""`python -m bot [--demo]`: migrate the database, optionally load demo data, serve the bot."""

import argparse
import logging

from aiohttp import web

from bot.app import create_app
from bot.bootstrap import open_database
from bot.logs import configure_logging
from config.settings import RefusedToStart, Settings
from database import migrate
from demo.council import load_demo_data
from training.dates.clock import SystemClock

log = logging.getLogger("wrapbot")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--demo", action="store_true", help="load demo courses and sessions")
    args = parser.parse_args(argv)

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    try:
        settings.refuse_unsafe()
    except RefusedToStart as refused:
        log.error("%s", refused)
        raise SystemExit(2) from None
    migrate.upgrade(settings.database_url)
    database = open_database(settings)
    if args.demo:
        with database.unit_of_work() as db:
            loaded = load_demo_data(db, SystemClock().now(), settings.zone)
        log.info("demo data %s", "loaded" if loaded else "already present")

    if settings.local_mode:
        log.warning(
            "LOCAL MODE: no MICROSOFT_APP_ID is set, so requests are not authenticated. "
            "Use this only on your own machine."
        )
    endpoint = f"http://{settings.host}:{settings.port}/api/messages"
    print(
        f"\nwrapbot is listening on {endpoint}\n"
        "Chat with it in the Microsoft 365 Agents Playground (needs Node.js):\n"
        f"  npx @microsoft/m365agentsplayground -e {endpoint} -c msteams\n",
        flush=True,
    )
    web.run_app(create_app(settings, database), host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()
