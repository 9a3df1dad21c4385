"""Home Office e-learning: a person sends their certificate, their manager confirms it, and
the coordinators chase the confirmations still waiting."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.cards.elearning import (
    claim_decided_card,
    claim_sent_card,
    manager_confirmation_card,
    name_manager_card,
    pending_confirmations_card,
)
from bot.certificate_links import CertificateLinks
from bot.downloads import Downloads, FileOffer
from bot.fields import FormValue, Id
from bot.router import Feature, route
from bot.turn import Caller, Command, CommandData, NoData, Notice, Outcome, Said, Who
from database.engine import Database
from graph.client import GraphClient
from graph.errors import GraphProblem
from training.dates.clock import Clock
from training.errors import TrainingError
from training.records import elearning
from training.records.elearning import Certificate, ClaimNotFound, ClaimProblem, ClaimView

log = logging.getLogger(__name__)

RECORD = {"record e-learning", "record elearning", "e-learning", "elearning"}
PENDING = {"pending confirmations", "pending", "confirmations"}
SEND_CERTIFICATE = (
    "Please send your Home Office Prevent e-learning certificate here: attach the PDF, or a "
    "photo of it (PNG or JPEG), to a message saying 'record e-learning'."
)
NO_PICTURE_TOKEN = (
    "Teams wouldn't let me fetch that picture. Please attach the certificate as a file "
    "(the paperclip) instead."
)


class ClaimRef(CommandData):
    claim_id: Id


class ManagerNamed(CommandData):
    claim_id: Id
    manager_email: FormValue = ""


class CertificateSent(CommandData):
    """Files attached in chat; `asked`: with the words 'record e-learning'."""

    files: tuple[FileOffer, ...]
    asked: bool


@dataclass(frozen=True)
class CertificateRules:
    course_code: str
    max_bytes: int
    # A manager the person names waits for a coordinator's approval (NAMED_MANAGER_NEEDS_APPROVAL).
    named_manager_needs_approval: bool = False


class ELearningCommands(Feature):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        zone: ZoneInfo,
        rules: CertificateRules,
        *,
        graph: GraphClient | None,
        downloads: Downloads,
        bot_token: Callable[[], Awaitable[str | None]],
        links: CertificateLinks | None,
    ) -> None:
        """`graph` finds a person's manager and team (None: they name their manager);
        `downloads` fetches attached files; `bot_token` gives the bot's Bot Framework token
        for pictures pasted into chat;
        `links` mints certificate download links (None: managers cannot download them)."""
        self.database = database
        self.clock = clock
        self.zone = zone
        self.rules = rules
        self.graph = graph
        self.downloads = downloads
        self.bot_token = bot_token
        self.links = links

    def phrases(self, said: Said) -> Command | None:
        if said.joined in RECORD:
            if said.files:
                return Command(
                    "elearning_certificate", CertificateSent(files=said.files, asked=True)
                )
            return Command("record_elearning")
        if said.joined in PENDING:
            return Command("pending_confirmations")
        return None

    def files_offered(self, said: Said) -> Command:
        """Files sent with no words we read (or just a greeting): perhaps the certificate
        this person was asked for."""
        return Command("elearning_certificate", CertificateSent(files=said.files, asked=False))

    # --- the person -----------------------------------------------------------------------

    @route("record_elearning", NoData, from_cards=False, who=Who.STAFF)
    async def record_elearning(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        await self.database.run(
            elearning.start_claim,
            caller.staff_id,
            self.clock.now(),
            course_code=self.rules.course_code,
        )
        return Outcome(text=SEND_CERTIFICATE)

    @route("elearning_certificate", CertificateSent, from_cards=False, who=Who.STAFF)
    async def elearning_certificate(
        self, caller: Caller, data: CertificateSent, key: str | None
    ) -> Outcome:
        expected = await self.database.run(elearning.certificate_expected, caller.staff_id)
        if not data.asked and not expected.waiting:
            return Outcome(
                text="If that's your e-learning certificate, send it again with the words "
                "'record e-learning'."
            )
        if not data.files:
            return Outcome(text=SEND_CERTIFICATE)
        offer = data.files[0]
        content = await self.downloads.fetch(
            offer, self.rules.max_bytes, await self._token_for(offer)
        )
        claim = await self.database.run(
            elearning.claim_with_certificate,
            caller.staff_id,
            Certificate(offer.name, content),
            self.clock.now(),
            course_code=self.rules.course_code,
            max_bytes=self.rules.max_bytes,
            directory=await self._manager_of(expected.aad_object_id),
        )
        if isinstance(claim, TrainingError):
            raise claim
        if claim.status == "pending":
            return Outcome(
                card=claim_sent_card(claim, self.zone), notices=(self._to_manager(claim),)
            )
        return Outcome(card=name_manager_card(claim))

    async def _token_for(self, offer: FileOffer) -> str | None:
        if not offer.bot_token:
            return None
        try:
            return await self.bot_token()
        except PermissionError as refused:
            log.warning("no Bot Framework token for a pasted picture: %s", refused)
            raise ClaimProblem(NO_PICTURE_TOKEN) from None

    async def _manager_of(self, aad_object_id: str | None) -> elearning.ManagerLookup | None:
        """What Entra ID says of the person and their manager, or None; Graph is optional."""
        if self.graph is None or not aad_object_id:
            return None
        try:
            me = await self.graph.user(aad_object_id)
            manager = await self.graph.manager(aad_object_id)
        except GraphProblem:
            log.warning("could not read a manager from Graph", exc_info=True)
            return None
        found = None
        if manager is not None:
            found = elearning.DirectoryPerson(
                manager.id, manager.display_name, manager.email, manager.department
            )
        return elearning.ManagerLookup(me is not None, me.department if me else None, found)

    @route("name_manager", ManagerNamed, who=Who.STAFF, from_cards=True)
    async def name_manager(self, caller: Caller, data: ManagerNamed, key: str | None) -> Outcome:
        try:
            claim = await self.database.run(
                elearning.name_manager,
                data.claim_id,
                caller.staff_id,
                data.manager_email,
                self.clock.now(),
                needs_approval=self.rules.named_manager_needs_approval,
            )
        except ClaimNotFound:
            raise
        except ClaimProblem as problem:
            view = await self.database.run(elearning.claim_view, data.claim_id)
            if view.staff_id != caller.staff_id:
                raise
            return Outcome(card=name_manager_card(view, error=str(problem)))
        if claim.status != "pending":  # a coordinator approves the manager first
            return Outcome(card=claim_sent_card(claim, self.zone))
        return Outcome(card=claim_sent_card(claim, self.zone), notices=(self._to_manager(claim),))

    # --- the manager ----------------------------------------------------------------------

    @route("confirm_elearning", ClaimRef, who=Who.STAFF, from_cards=True)
    async def confirm_elearning(self, caller: Caller, data: ClaimRef, key: str | None) -> Outcome:
        return await self._decide(caller, data.claim_id, confirmed=True)

    @route("reject_elearning", ClaimRef, who=Who.STAFF, from_cards=True)
    async def reject_elearning(self, caller: Caller, data: ClaimRef, key: str | None) -> Outcome:
        return await self._decide(caller, data.claim_id, confirmed=False)

    async def _decide(self, caller: Caller, claim_id: int, *, confirmed: bool) -> Outcome:
        before = await self.database.run(elearning.claim_view, claim_id)
        claim = await self.database.run(
            elearning.decide, claim_id, caller.staff_id, confirmed, self.clock.now()
        )
        if before.status == claim.status:  # pressed again: already decided, nobody to tell
            return Outcome(card=claim_decided_card(claim, self.zone))
        verdict = "confirmed" if claim.status == "confirmed" else "did not confirm"
        notice = Notice(
            claim.staff_id,
            claim_decided_card(claim, self.zone),
            f"Your manager {verdict} your Prevent e-learning.",
        )
        return Outcome(card=claim_decided_card(claim, self.zone), notices=(notice,))

    @route("view_certificate", ClaimRef, who=Who.STAFF, from_cards=True)
    async def view_certificate(self, caller: Caller, data: ClaimRef, key: str | None) -> Outcome:
        """A short-lived download link for the claim's manager (checked here, on the press)."""
        if self.links is None:
            return Outcome(text="Downloading certificates isn't set up for this bot.")
        now = self.clock.now()
        found = await self.database.run(
            elearning.certificate_for_manager,
            data.claim_id,
            caller.staff_id,
            now,
            audit_view=False,
        )
        claim = await self.database.run(elearning.claim_view, data.claim_id)
        url = self.links.link(found.claim_id, caller.staff_id, found.sha256, now)
        link = (url, int(self.links.lifetime.total_seconds() // 60))
        if claim.status == "pending":
            return Outcome(card=manager_confirmation_card(claim, self.zone, link))
        return Outcome(card=claim_decided_card(claim, self.zone, link))

    # --- the coordinators -----------------------------------------------------------------

    @route("pending_confirmations", NoData, who=Who.COORDINATOR, from_cards=True)
    async def pending_confirmations(self, caller: Caller, data: NoData, key: str | None) -> Outcome:
        claims = await self.database.run(
            elearning.pending_confirmations, viewer_staff_id=caller.staff_id, now=self.clock.now()
        )
        return Outcome(card=pending_confirmations_card(claims, self.zone))

    @route("chase_confirmation", ClaimRef, who=Who.COORDINATOR, from_cards=True)
    async def chase_confirmation(self, caller: Caller, data: ClaimRef, key: str | None) -> Outcome:
        now = self.clock.now()
        claim = await self.database.run(
            elearning.chase, data.claim_id, actor_staff_id=caller.staff_id, now=now
        )
        claims = await self.database.run(
            elearning.pending_confirmations, viewer_staff_id=caller.staff_id, now=now
        )
        return Outcome(
            text=f"I've reminded {claim.manager_name}.",
            card=pending_confirmations_card(claims, self.zone),
            notices=(self._to_manager(claim),),
        )

    @route("approve_manager", ClaimRef, who=Who.COORDINATOR, from_cards=True)
    async def approve_manager(self, caller: Caller, data: ClaimRef, key: str | None) -> Outcome:
        """The manager a person named is theirs: the claim goes to them, and the person hears."""
        now = self.clock.now()
        claim = await self.database.run(
            elearning.approve_manager, data.claim_id, coordinator_staff_id=caller.staff_id, now=now
        )
        claims = await self.database.run(
            elearning.pending_confirmations, viewer_staff_id=caller.staff_id, now=now
        )
        told = Notice(
            claim.staff_id,
            claim_sent_card(claim, self.zone),
            f"I've asked {claim.manager_name} to confirm your Prevent e-learning.",
        )
        return Outcome(
            text=f"Approved: I've asked {claim.manager_name} to confirm {claim.staff_name}'s "
            "e-learning.",
            card=pending_confirmations_card(claims, self.zone),
            notices=(self._to_manager(claim), told),
        )

    @route("refuse_manager", ClaimRef, who=Who.COORDINATOR, from_cards=True)
    async def refuse_manager(self, caller: Caller, data: ClaimRef, key: str | None) -> Outcome:
        """Not their manager: the person is asked to name the right one."""
        done = await self.database.run(
            elearning.refuse_and_list,
            data.claim_id,
            coordinator_staff_id=caller.staff_id,
            now=self.clock.now(),
        )
        refused = done.refused
        error = (
            f"A coordinator couldn't confirm that {refused.manager_name} is your manager. "
            "Please give your line manager's email."
        )
        told = Notice(
            refused.staff_id, name_manager_card(done.claim, error=error), "Who is your manager?"
        )
        return Outcome(
            text=f"I've asked {refused.staff_name} to name their manager again.",
            card=pending_confirmations_card(list(done.pending), self.zone),
            notices=(told,),
        )

    def _to_manager(self, claim: ClaimView) -> Notice:
        assert claim.manager_staff_id is not None
        return Notice(
            claim.manager_staff_id,
            manager_confirmation_card(claim, self.zone),
            f"{claim.staff_name} asks you to confirm their Prevent e-learning.",
        )
