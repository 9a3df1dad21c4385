"""The baseline: the stock botbuilder echo bot of Microsoft's samples (CloudAdapter, aiohttp)."""

import sys

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication


class _Config:
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"Echo: {turn_context.activity.text}")


def create_echo_app() -> web.Application:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_Config()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


if __name__ == "__main__":
    web.run_app(
        create_echo_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None
    )
