"""The Teams activity handler: who is talking, then a command, then the card they see."""

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationReference,
    ResourceResponse,
    TextFormatTypes,
)

from bot.cards.elements import CARD_CONTENT_TYPE, Card, card, text, unescaped
from bot.cards.help import help_card
from bot.downloads import FileOffer, attached_files
from bot.features.files import PERSONAL_CHAT_ONLY, FileCommands, attachment
from bot.features.files import STALE as STALE_FILE_OFFER
from bot.guard import RateLimit, input_problem
from bot.proactive import Notifier
from bot.router import BadPayload, Router
from bot.turn import Caller, Command, Notice, Outcome
from config.settings import Settings
from database.engine import Database
from training.dates.clock import Clock
from training.models import Staff
from training.people.coordinators import Roles
from training.people.staff import TeamsIdentity, first_delivery, personal_references, record_contact

log = logging.getLogger(__name__)

CALLER = "wrapbot.caller"
STALE_CARD = (
    "That card is out of date or has been changed, so I did nothing. Type 'help' to start again."
)
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
OTHER_TENANT = "Sorry, this bot only serves the council's own Microsoft 365 tenant."
SLOW_DOWN = "You're sending messages faster than I can answer. Please wait a few seconds."


def tenant_of(activity: Activity) -> str | None:
    if activity.conversation is not None and activity.conversation.tenant_id:
        tenant_id: str = activity.conversation.tenant_id  # botbuilder's ConversationAccount
        return tenant_id
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant")
    return tenant.get("id") if isinstance(tenant, dict) else None


def reference_of(activity: Activity) -> ConversationReference:
    """Where to reach the sender later, with their tenant: Teams may name it only in the
    channel data, and a reference without it would be paced with no tenant's sends and sent
    without the tenant Teams needs for a proactive message."""
    reference: ConversationReference = TurnContext.get_conversation_reference(activity)
    tenant = tenant_of(activity)
    if reference.conversation is not None and not reference.conversation.tenant_id and tenant:
        reference.conversation.tenant_id = tenant
    return reference


def request_key(activity: Activity) -> str | None:
    """Identifies one delivery of one activity; Teams retries send the same id again."""
    if not activity.id or activity.conversation is None:
        return None
    return f"{activity.conversation.id}:{activity.id}"[:300]


def card_message(card: Card, text: str | None = None) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card), text=text)


class WrapBot(TeamsActivityHandler):  # type: ignore[misc]  # botbuilder ships no types
    def __init__(
        self,
        settings: Settings,
        database: Database,
        router: Router,
        notifier: Notifier,
        clock: Clock,
        files: FileCommands,
        roles: Roles,
        rate_limit: RateLimit,
        contacted: Callable[[int], None] = lambda staff_id: None,
    ) -> None:
        # Called with the staff id once a turn knows who is writing; must return at once.
        self.contacted = contacted
        self.rate_limit = rate_limit
        self.settings = settings
        self.roles = roles
        self.database = database
        self.router = router
        self.notifier = notifier
        self.clock = clock
        self.files = files

    async def on_turn(self, turn_context: TurnContext) -> None:
        turn_context.on_send_activities(_as_plain_text)
        activity = turn_context.activity
        tenant = tenant_of(activity)
        if not self.settings.tenant_allowed(tenant):
            log.warning("refused an activity from tenant %s (not in ALLOWED_TENANT_IDS)", tenant)
            await self._refuse(turn_context)
            return
        limited = activity.type in (ActivityTypes.message, ActivityTypes.invoke)
        if limited and not await self._within_limits(turn_context):
            return
        if activity.from_property is not None and activity.type in (
            ActivityTypes.message,
            ActivityTypes.invoke,
            ActivityTypes.conversation_update,
            ActivityTypes.installation_update,
        ):
            turn_context.turn_state[CALLER] = await self._record_contact(turn_context)
            self.contacted(turn_context.turn_state[CALLER].staff_id)
        await super().on_turn(turn_context)

    async def _refuse(self, turn_context: TurnContext) -> None:
        if turn_context.activity.type in (ActivityTypes.invoke, ActivityTypes.message):
            await self._say(turn_context, OTHER_TENANT)

    async def _within_limits(self, turn_context: TurnContext) -> bool:
        activity = turn_context.activity
        sender = activity.from_property.id if activity.from_property else "?"
        allowed, first_refusal = self.rate_limit.allow(f"{tenant_of(activity)}/{sender}")
        if not allowed:
            log.warning("rate limit: dropped an activity from %s", sender)
            if first_refusal or activity.type == ActivityTypes.invoke:
                await self._say(turn_context, SLOW_DOWN)
            return False
        if problem := input_problem(activity):
            log.info("refused input from %s: %s", sender, problem)
            await self._say(turn_context, problem)
            return False
        return True

    async def _say(self, turn_context: TurnContext, sentence: str) -> None:
        """A short answer that works for a message and for a card action alike."""
        if turn_context.activity.type == ActivityTypes.invoke:
            await self._answer_invoke(turn_context, _message_body(sentence))
        else:
            await turn_context.send_activity(sentence)

    async def _answer_invoke(self, turn_context: TurnContext, body: dict[str, object]) -> None:
        await turn_context.send_activity(
            Activity(
                type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body)
            )
        )

    async def _addresses_of(
        self, turn_context: TurnContext, member: ChannelAccount
    ) -> tuple[str | None, str | None]:
        """The member's email and user principal name, as Teams knows them."""
        if turn_context.activity.channel_id != "msteams":
            return None, None
        try:
            details = await TeamsInfo.get_member(turn_context, member.id)
        except Exception:  # the directory lookup is a nicety; the turn must go on without it
            log.warning("could not read Teams member details", exc_info=True)
            return None, None
        return details.email, details.user_principal_name

    async def _record_contact(self, turn_context: TurnContext) -> Caller:
        """Who is writing. Someone the bot has no address for is looked up in Teams first, so a
        record made from their email (a board lead, a named manager) becomes theirs."""
        activity = turn_context.activity
        member = activity.from_property
        conversation = activity.conversation
        reference = json.dumps(reference_of(activity).serialize())

        async def record(email: str | None, upn: str | None, *, create: bool) -> Staff | None:
            return await self.database.run(
                record_contact,
                TeamsIdentity(member.aad_object_id or member.id, member.name or "", email, upn),
                self.clock.now(),
                conversation_id=conversation.id,
                conversation_type=conversation.conversation_type or "personal",
                tenant_id=tenant_of(activity),
                service_url=activity.service_url,
                reference_json=reference,
                create=create,
            )

        # Only the council's own directory vouches for an address: from any other tenant it is
        # never used to find a record or a coordinator.
        home = self.settings.is_home_tenant(tenant_of(activity))
        staff = await record(None, None, create=False)
        if staff is None or (home and staff.email is None):
            email, upn = await self._addresses_of(turn_context, member) if home else (None, None)
            staff = await record(email, upn, create=True)
        assert staff is not None and staff.id is not None
        vouched = (staff.aad_object_id, staff.email if home else None)
        return Caller(
            staff_id=staff.id,
            display_name=staff.display_name,
            is_coordinator=self.roles.coordinators.includes(*vouched),
            is_reporter=self.roles.reporters.includes(*vouched),
            is_auditor=self.roles.auditors.includes(*vouched),
        )

    async def _run(
        self, turn_context: TurnContext, command: Command, *, public: bool = False
    ) -> Outcome:
        """`public`: the answer is posted where the whole chat reads it."""
        caller: Caller = replace(turn_context.turn_state[CALLER], answer_is_public=public)
        key = request_key(turn_context.activity)
        outcome = await self.router.run(
            caller, command, key, shared_chat=_shared(turn_context.activity)
        )
        await self.notifier.send_soon(outcome.notices, key)
        if outcome.attachments:
            return await self._send_attachments(turn_context, outcome)
        return outcome

    async def _send_attachments(self, turn_context: TurnContext, outcome: Outcome) -> Outcome:
        if _shared(turn_context.activity):
            # Teams offers files (the consent card) only in a personal chat with the bot.
            return replace(outcome, text=PERSONAL_CHAT_ONLY)
        for raw in outcome.attachments:
            await turn_context.send_activity(MessageFactory.attachment(attachment(raw)))
        return outcome

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value is not None and not (activity.text or "").strip():
            await self._on_card_submit(turn_context)
            return
        command = self.router.read_text(
            activity.text or "",
            self.clock.now().astimezone(self.settings.zone).date(),
            _files(activity),
        )
        shared = _shared(activity)
        private = shared and self.router.answers_privately(command)
        outcome = await self._run(turn_context, command, public=shared and not private)
        if private:
            await self._answer_press_in_private(turn_context, outcome)
            return
        if outcome.text:
            await turn_context.send_activity(outcome.text)
        if outcome.card:
            await turn_context.send_activity(card_message(_for_viewer(outcome.card, activity)))

    async def _on_card_submit(self, turn_context: TurnContext) -> None:
        """`Action.Submit` (the fallback for clients without Universal Actions)."""
        try:
            command = self.router.read_card(turn_context.activity.value)
        except BadPayload as bad:
            log.info("refused a card submission: %s", bad)
            await turn_context.send_activity(STALE_CARD)
            return
        outcome = await self._run(turn_context, command)
        if _shared(turn_context.activity):
            await self._answer_press_in_private(turn_context, outcome)
            return
        if outcome.text:
            await turn_context.send_activity(outcome.text)
        if outcome.card:
            original = turn_context.activity.reply_to_id
            shown = _for_viewer(outcome.card, turn_context.activity)
            if original:
                update = card_message(shown)
                update.id = original
                await turn_context.update_activity(update)
            else:
                await turn_context.send_activity(card_message(shown))

    async def _answer_press_in_private(self, turn_context: TurnContext, outcome: Outcome) -> bool:
        """An `Action.Submit` answer can only be a new message, and in a group chat or channel
        everyone would read it (and an update would replace everyone's card): the presser's
        result goes to their personal chat, and the shared card stays as it was. So does the
        answer to a command that answers privately (a booking, with its join link). False when
        the person has no personal chat with the bot yet (the chat is told to start one)."""
        caller: Caller = turn_context.turn_state[CALLER]
        result = outcome.card or card([text(outcome.text or "Done.")])
        if outcome.card and outcome.text:
            result = {**result, "body": [text(outcome.text), *result.get("body", [])]}
        reachable = await self.database.run(personal_references, [caller.staff_id])
        if caller.staff_id in reachable:
            notice = Notice(
                caller.staff_id, result, _headline(outcome)[:200] or "Your answer", key=None
            )
            await self.notifier.send_soon([notice], f"{request_key(turn_context.activity)}:own")
            return True
        first_name = (caller.display_name or "").split(" ")[0] or "Done"
        await turn_context.send_activity(
            f"{first_name}: message me in a personal chat to see what that did for you."
        )
        return False

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # Handled here, not in on_adaptive_card_invoke: with CloudAdapter that path answers 500
        # (botbuilder-python 4.17 serialises the invoke response twice).
        if turn_context.activity.name == "fileConsent/invoke":
            return await self._on_file_consent(turn_context)
        if turn_context.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        value = turn_context.activity.value
        # Teams redrawing a card as it is shown (its `refresh`), not a person pressing a button.
        automatic = isinstance(value, dict) and value.get("trigger") == "automatic"
        try:
            command = self.router.read_card(value, refresh=automatic)
        except BadPayload as bad:
            log.info("refused a card action: %s", bad)
            return InvokeResponse(status=200, body=_message_body(STALE_CARD))
        outcome = await self._run(turn_context, command)
        if automatic and outcome.card is not None:
            # A refresh is this viewer's own view of the card, in a group chat too.
            shown = _for_viewer(outcome.card, turn_context.activity)
            return InvokeResponse(
                status=200, body={"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": shown}
            )
        if _shared(turn_context.activity) and self.router.answers_privately(command):
            # The presser's own result (a booking and its join link) goes to their personal chat.
            sent = await self._answer_press_in_private(turn_context, outcome)
            where = " The details are in our personal chat." if sent else ""
            return InvokeResponse(status=200, body=_message_body(_headline(outcome) + where))
        if outcome.card is not None and _shared(turn_context.activity):
            # The card in a channel is everyone's: answer the presser alone, leave it as it was.
            return InvokeResponse(status=200, body=_message_body(_headline(outcome)))
        if outcome.card is None:
            return InvokeResponse(status=200, body=_message_body(outcome.text or ""))
        if outcome.text:
            await turn_context.send_activity(outcome.text)
        return InvokeResponse(
            status=200,
            body={
                "statusCode": 200,
                "type": CARD_CONTENT_TYPE,
                "value": _for_viewer(outcome.card, turn_context.activity),
            },
        )

    async def _on_file_consent(self, turn_context: TurnContext) -> InvokeResponse:
        if not _personal(turn_context.activity):
            # Teams offers files only in the personal chat; an answer from anywhere else (or
            # that does not say where it is from) is not one to ours.
            log.info("refused a file consent answer outside a personal chat")
            await turn_context.send_activity(PERSONAL_CHAT_ONLY)
            return InvokeResponse(status=200)
        reference = reference_of(turn_context.activity)
        try:
            command = self.files.read_consent(turn_context.activity.value, reference)
        except BadPayload as bad:
            log.info("refused a file consent answer: %s", bad)
            await turn_context.send_activity(STALE_FILE_OFFER)
            return InvokeResponse(status=200)
        outcome = await self._run(turn_context, command)
        if outcome.text:
            await turn_context.send_activity(outcome.text)
        return InvokeResponse(status=200)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added = activity.members_added or []
        if any(m.id == bot_id for m in added):
            await self._welcome(turn_context)

    async def _welcome(self, turn_context: TurnContext) -> None:
        key = request_key(turn_context.activity)
        if key is not None and not await self.database.run(
            first_delivery, f"welcome:{key}"[:300], self.clock.now()
        ):
            return  # Teams delivered this install again: they have had their welcome
        caller: Caller | None = turn_context.turn_state.get(CALLER)
        roles = (
            (caller.is_coordinator, caller.is_reporter, caller.is_auditor)
            if caller
            else (False, False, False)
        )
        await turn_context.send_activity(
            card_message(
                help_card(roles[0], is_reporter=roles[1], is_auditor=roles[2]),
                text="Hello! I book Prevent training (WRAP and more). Type 'sessions' to start.",
            )
        )


def _files(activity: Activity) -> list[FileOffer]:
    """Files and pictures attached to a message (e.g. an e-learning certificate)."""
    return attached_files(
        [
            {
                "contentType": a.content_type,
                "contentUrl": a.content_url,
                "content": a.content,
                "name": a.name,
            }
            for a in activity.attachments or []
        ],
        activity.service_url,
    )


async def _as_plain_text(
    turn_context: TurnContext,
    activities: list[Activity],
    send: Callable[[], Awaitable[list[ResourceResponse]]],
) -> list[ResourceResponse]:
    """Sentences go out as plain text: Teams would read a message's text as Markdown, and some
    repeat what people typed (a board's or course's name)."""
    for activity in activities:
        if activity.type == ActivityTypes.message and activity.text and not activity.text_format:
            activity.text_format = TextFormatTypes.plain
    return await send()


def _personal(activity: Activity) -> bool:
    return activity.conversation is not None and (
        activity.conversation.conversation_type == "personal"
    )


def _for_viewer(shown: Card, activity: Activity) -> Card:
    """A card that refreshes itself names, in a personal chat, the person it refreshes for
    (Teams refreshes automatically only for `userIds` where a chat has over 60 people)."""
    refresh = shown.get("refresh")
    viewer = activity.from_property.id if activity.from_property else None
    if not isinstance(refresh, dict) or not viewer or _shared(activity):
        return shown
    return {**shown, "refresh": {**refresh, "userIds": [viewer]}}


def _shared(activity: Activity) -> bool:
    conversation = activity.conversation
    return (conversation.conversation_type or "personal") != "personal"


def _headline(outcome: Outcome) -> str:
    """The first line a person would read on the card (its heading)."""
    blocks = [b for b in (outcome.card or {}).get("body", []) if b.get("type") == "TextBlock"]
    first = unescaped(blocks[0]["text"]) if blocks else ""
    return " ".join(part for part in (outcome.text, first) if part)


def _message_body(text: str) -> dict[str, object]:
    return {"statusCode": 200, "type": MESSAGE_CONTENT_TYPE, "value": text}
