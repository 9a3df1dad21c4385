"""Turns per second and latency of wrapbot against the stock echo bot, measured in one run.

`make bench` (or `python -m bench.turns [--requests N] [--concurrency C]`). Each bot runs in its
own process; this process plays Teams (sending activities) and the Bot Connector (taking replies).
"""

import argparse
import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

TENANT = "bench-tenant"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_connector() -> tuple[web.AppRunner, str]:
    ids = itertools.count()

    async def send(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"id": f"r{next(ids)}"})

    async def member(request: web.Request) -> web.Response:
        member_id = request.match_info["member"]
        return web.json_response(
            {
                "id": member_id,
                "name": "Bench User",
                "aadObjectId": member_id.removeprefix("29:"),
                "email": f"{member_id[3:]}@example.gov.uk",
            }
        )

    app = web.Application()
    app.router.add_post("/v3/conversations/{conv}/activities", send)
    app.router.add_post("/v3/conversations/{conv}/activities/{reply}", send)
    app.router.add_get("/v3/conversations/{conv}/members/{member}", member)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/"


def activity(service_url: str, user: str, **fields: object) -> dict:
    return {
        "type": "message",
        "id": str(uuid.uuid4()),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:{user}", "name": "Bench User", "aadObjectId": user},
        "recipient": {"id": "28:bot", "name": "bot"},
        "conversation": {"id": f"a:{user}", "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        **fields,
    }


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_seconds: float = 0.0

    @property
    def cpu_ms_per_turn(self) -> float:
        return self.server_cpu_seconds * 1000 / self.requests

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def drive(
    http: aiohttp.ClientSession,
    url: str,
    make: Callable[[int], dict],
    requests: int,
    concurrency: int,
    name: str,
) -> Result:
    counter = itertools.count()
    latencies: list[float] = []

    async def worker() -> None:
        while (i := next(counter)) < requests:
            body = json.dumps(make(i))
            started = time.perf_counter()
            async with http.post(
                url, data=body, headers={"Content-Type": "application/json"}
            ) as response:
                await response.read()
                if response.status >= 300 and response.status != 200:
                    raise RuntimeError(f"{name}: HTTP {response.status}")
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(name, requests, time.perf_counter() - started, latencies)


async def wait_until_up(http: aiohttp.ClientSession, url: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            async with http.post(url, data=b"{}", headers={"Content-Type": "application/json"}):
                return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start_servers(echo_port: int, wrap_port: int, database_url: str) -> list[subprocess.Popen]:
    return [
        subprocess.Popen([sys.executable, "-m", "bench.echo_bot", str(echo_port)]),
        subprocess.Popen(
            [sys.executable, "-m", "bench.serve_wrapbot", str(wrap_port), database_url]
        ),
    ]


async def main(requests: int, concurrency: int) -> None:
    connector, service_url = await start_connector()
    scratch = tempfile.mkdtemp(prefix="wrapbot-bench-")
    echo_port, wrap_port = free_port(), free_port()
    servers = start_servers(echo_port, wrap_port, f"sqlite:///{Path(scratch) / 'bench.db'}")
    echo_url = f"http://127.0.0.1:{echo_port}/api/messages"
    wrap_url = f"http://127.0.0.1:{wrap_port}/api/messages"
    users = [f"bench-{i}" for i in range(200)]
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            await wait_until_up(http, echo_url, servers[0])
            await wait_until_up(http, wrap_url, servers[1])
            for user in users:  # first contact: records each person once
                await drive(
                    http,
                    wrap_url,
                    lambda i, u=user: activity(service_url, u, text="hi"),
                    1,
                    1,
                    "warm-up",
                )

            def echo(i: int) -> dict:
                return activity(service_url, users[i % len(users)], text="hello")

            def sessions(i: int) -> dict:
                return activity(service_url, users[i % len(users)], text="sessions")

            def book(i: int) -> dict:
                # A new person each time presses Book (seat or waiting list) on session 1.
                return activity(
                    service_url,
                    f"booker-{i}",
                    type="invoke",
                    name="adaptiveCard/action",
                    value={
                        "action": {
                            "type": "Action.Execute",
                            "verb": "join_waitlist",
                            "data": {"session_id": 1},
                        }
                    },
                )

            results = []
            for name, url, make, server in (
                ("echo bot (baseline)", echo_url, echo, servers[0]),
                ("wrapbot: sessions", wrap_url, sessions, servers[1]),
                ("wrapbot: book (invoke)", wrap_url, book, servers[1]),
            ):
                await drive(http, url, make, min(200, requests), concurrency, name)  # warm-up
                cpu_before = cpu_seconds(server.pid)
                result = await drive(http, url, make, requests, concurrency, name)
                result.server_cpu_seconds = cpu_seconds(server.pid) - cpu_before
                results.append(result)
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        await connector.cleanup()

    baseline = results[0]
    print(
        f"\n{requests} activities each, {concurrency} in flight, one machine, "
        f"bots in their own processes"
    )
    print(
        f"{'scenario':24} {'turns/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/turn':>12} "
        f"{'rate vs echo':>13}"
    )
    for r in results:
        print(
            f"{r.name:24} {r.per_second:8.1f} {r.percentile(50):7.1f} {r.percentile(99):7.1f} "
            f"{r.cpu_ms_per_turn:12.2f} {r.per_second / baseline.per_second:12.2f}x"
        )
    print(
        f"bot CPU per turn, wrapbot 'sessions' / echo: "
        f"{results[1].cpu_ms_per_turn / baseline.cpu_ms_per_turn:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency))
