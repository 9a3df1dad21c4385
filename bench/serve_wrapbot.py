"""wrapbot on a scratch database with demo data: `python -m bench.serve_wrapbot PORT DB_URL`."""

import logging
import sys

from aiohttp import web

from bot.app import create_app
from config.settings import Settings
from database import migrate
from database.engine import Database
from demo.council import load_demo_data
from training.dates.clock import SystemClock

if __name__ == "__main__":
    port, url = int(sys.argv[1]), sys.argv[2]
    logging.basicConfig(level=logging.WARNING)
    settings = Settings(_env_file=None, database_url=url, port=port)
    migrate.upgrade(url)
    database = Database(url)
    with database.unit_of_work() as db:
        load_demo_data(db, SystemClock().now(), settings.zone)
    web.run_app(
        create_app(settings, database), host="127.0.0.1", port=port, print=None, access_log=None
    )
