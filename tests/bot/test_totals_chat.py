"""Coordinators ask for totals in words, export them and get the report, over real HTTP.

Files go through the Teams file consent flow: the bot posts a consent card, the person's
client answers with a `fileConsent/invoke` carrying an upload URL (here a local upload server
standing in for OneDrive). The bot answers the invoke at once, then PUTs the file there and
posts the file's card.
"""

import asyncio
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from sqlmodel import select

from tests.bot.harness import TENANT, button, card_from_invoke, card_text, cards_in, texts_in
from tests.training.report_world import NOW, build_world
from training.models import AuditEntry, Session, SessionAttendance

CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
ALREADY_SAVED = "I've already saved that file to your OneDrive; ask again for a new copy."
OFFER = "Cq1Xo7n0rM2kFf8a9b_Z-w"
PERSONAL_CHAT_ONLY = "Files come in our personal chat: message me there and ask again."
REPORTERS_ONLY = "Only the Prevent coordinators and the people who report on training can see that."
STALE = "That file offer is out of date or has been changed, so I did nothing."


class UploadServer:
    """Plays OneDrive's upload URL: keeps what was PUT, with its headers."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.url = ""
        self.status = 201
        self.hold: asyncio.Event | None = None  # set: uploads wait until it is set

    async def put(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.hold is not None:
            await self.hold.wait()
        self.received.append(
            {"path": request.path, "body": body, "range": request.headers.get("Content-Range")}
        )
        if self.status != 201:
            return web.json_response({"error": {"code": "serviceNotAvailable"}}, status=self.status)
        return web.json_response({"id": "file-1", "name": request.match_info["name"]}, status=201)


@pytest.fixture
async def onedrive() -> AsyncIterator[UploadServer]:
    server = UploadServer()
    app = web.Application()
    app.router.add_put("/upload/{name}", server.put)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://127.0.0.1:{port}/upload"
    yield server
    await runner.cleanup()


@pytest.fixture
def year(chat):
    chat.clock.move_to(NOW)
    with chat.database.unit_of_work() as db:
        return build_world(db)


def audit_actions(chat) -> list[str]:
    with chat.database.unit_of_work() as db:
        return [e.action for e in db.exec(select(AuditEntry).order_by(AuditEntry.id))]


def attachments_of(replies: list[dict], content_type: str) -> list[dict]:
    return [
        a
        for entry in replies
        for a in entry["activity"].get("attachments") or []
        if a.get("contentType") == content_type
    ]


async def answer_consent(
    chat, user, consent: dict, action: str, upload_url: str, tamper: dict | None = None
) -> dict:
    """What Teams sends when the person presses Allow (accept) or Decline on a consent card."""
    name = consent["name"]
    value = {
        "type": "fileUpload",
        "action": action,
        "context": consent["content"]["acceptContext"],
        "uploadInfo": {
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/pat/Documents/{name}",
            "name": name,
            "uploadUrl": f"{upload_url}/{name}",
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
            "fileType": name.rsplit(".", 1)[-1],
        },
        **(tamper or {}),
    }
    user.new_replies()
    activity = user.activity("invoke", name="fileConsent/invoke", value=value)
    async with user.http.post(user.bot_url, json=activity) as response:
        assert response.status == 200, await response.text()
    await chat.background_done()
    return {"replies": user.new_replies()}


def _one_guest_nobody_matched(database, fy_start: datetime, fy_end: datetime) -> None:
    with database.unit_of_work() as db:
        session = db.exec(
            select(Session).where(Session.starts_at >= fy_start, Session.starts_at < fy_end)
        ).first()
        db.add(
            SessionAttendance(
                session_id=session.id,
                person_key="name:a visitor",
                display_name="A Visitor",
                attended_seconds=3600,
                updated_at=session.ends_at,
            )
        )


async def test_totals_for_a_financial_year(chat, year):
    _one_guest_nobody_matched(
        chat.database, datetime(2020, 4, 1, tzinfo=UTC), datetime(2021, 4, 1, tzinfo=UTC)
    )
    [totals] = cards_in(await chat.coordinator().says("totals 2020-21"))
    shown = card_text(totals)
    assert "Sessions delivered: 4" in shown
    assert "People attended: 5 (7 attendances)" in shown
    assert "Completed e-learning: 2" in shown
    assert "Unmatched attendees to resolve: 1" in shown
    assert "Delivered in 2020-21:" in shown
    assert "Family Services: 3 sessions, 2 people (4 attendances), 2 completed" in shown
    # each figure once: no sentence repeating the facts
    assert "4 sessions were delivered" not in shown and shown.count("Sessions delivered") == 1
    [image] = [n for n in totals["body"] if n.get("type") == "Image"]
    assert image["url"].startswith("data:image/png;base64,")
    assert len(json.dumps(totals)) < 40_000
    assert audit_actions(chat) == ["totals.view"]


async def test_only_coordinators_see_totals(chat, year):
    replies = await chat.user("Megan Bowen").says("totals 2020-21")
    assert texts_in(replies) == [REPORTERS_ONLY]
    assert cards_in(replies) == []
    body = await chat.user("Megan Bowen").presses(
        {"verb": "export_totals", "data": {"query": "totals 2020-21", "format": "csv"}}
    )
    assert body["value"] == REPORTERS_ONLY
    assert audit_actions(chat) == []


async def test_a_team_asked_in_words_says_how_it_read_last_year(chat, year):
    pat = chat.coordinator()
    [totals] = cards_in(await pat.says("how many trained in Adults MASH last year"))
    shown = card_text(totals)
    assert "'last year' read as the calendar year 2020" in shown
    assert "Delivered within Adults MASH in 2020:" in shown
    assert "People attended: 1 (1 attendance)" in shown
    instead = button(totals, "Financial year 2020-21 instead")
    again = card_from_invoke(await pat.presses(instead))
    assert "within Adults MASH in 2020-21" in card_text(again)


async def test_words_it_cannot_read_get_choices_not_a_guess(chat, year):
    pat = chat.coordinator()
    [which] = cards_in(await pat.says("totals Family Services wibble"))
    assert "I didn't understand 'wibble'" in card_text(which)
    assert audit_actions(chat) == []  # nothing was shown, so nothing to audit
    choice = button(which, "This financial year (2021-22)")
    totals = card_from_invoke(await pat.presses(choice))
    assert "within Family Services in 2021-22" in card_text(totals)


async def test_export_csv_through_file_consent(chat, year, onedrive):
    pat = chat.coordinator()
    [totals] = cards_in(await pat.says("totals 2020-21"))
    body = await pat.presses(button(totals, "CSV"))
    assert "Allow" in body["value"]
    [consent] = attachments_of(pat.connector.to(pat.conversation_id), CONSENT)
    assert consent["name"] == "prevent-training-in-2020-21.csv"
    context = consent["content"]["acceptContext"]
    assert (context["query"], context["format"]) == ("totals 2020-21", "csv")

    answer = await answer_consent(chat, pat, consent, "accept", onedrive.url)
    [upload] = onedrive.received
    text = upload["body"].decode("utf-8-sig")
    assert text.splitlines()[1] == "All,2020-21 (1 Apr 2020 to 31 Mar 2021),4,6,5,7,1,5,2,6"
    size = len(upload["body"])
    assert upload["range"] == f"bytes 0-{size - 1}/{size}"
    [info] = attachments_of(answer["replies"], FILE_INFO)
    assert info["name"] == consent["name"]
    assert info["content"]["uniqueId"] == "1150D938-8870-4044-9F2C-5BBDEBA70C8C"
    assert audit_actions(chat) == ["totals.view", "export.offer.csv", "export.csv"]


async def test_allow_is_answered_before_the_file_is_saved(chat, year, onedrive):
    # Teams gives an invoke about 15 s; a slow OneDrive must not hold the answer.
    pat = chat.coordinator()
    [totals] = cards_in(await pat.says("totals 2020-21"))
    await pat.presses(button(totals, "CSV"))
    [consent] = attachments_of(pat.connector.to(pat.conversation_id), CONSENT)
    onedrive.hold = asyncio.Event()
    pat.new_replies()
    value = {
        "type": "fileUpload",
        "action": "accept",
        "context": consent["content"]["acceptContext"],
        "uploadInfo": {"name": consent["name"], "uploadUrl": f"{onedrive.url}/x.csv"},
    }
    invoke = pat.activity("invoke", name="fileConsent/invoke", value=value)
    post = pat.http.post(pat.bot_url, json=invoke)
    async with await asyncio.wait_for(post, timeout=20) as response:
        assert response.status == 200
    assert onedrive.received == [] and pat.new_replies() == []

    onedrive.hold.set()
    await chat.background_done()
    assert len(onedrive.received) == 1
    [info] = attachments_of(pat.new_replies(), FILE_INFO)
    assert info["name"] == consent["name"]


async def test_a_failed_upload_is_told_and_the_export_is_still_audited(chat, year, onedrive):
    pat = chat.coordinator()
    [totals] = cards_in(await pat.says("totals 2020-21"))
    await pat.presses(button(totals, "CSV"))
    [consent] = attachments_of(pat.connector.to(pat.conversation_id), CONSENT)
    onedrive.status = 503
    answer = await answer_consent(chat, pat, consent, "accept", onedrive.url)
    assert len(onedrive.received) == 1
    assert attachments_of(answer["replies"], FILE_INFO) == []
    assert texts_in(answer["replies"]) == [
        "Sorry, I couldn't save the file to your OneDrive just now. Please ask for it again."
    ]
    assert audit_actions(chat) == ["totals.view", "export.offer.csv", "export.csv"]


async def test_excel_workbook_has_a_sheet_per_breakdown(chat, year, onedrive):
    from openpyxl import load_workbook

    pat = chat.coordinator()
    [totals] = cards_in(await pat.says("totals 2020-21"))
    await pat.presses(button(totals, "Excel workbook"))
    [consent] = attachments_of(pat.connector.to(pat.conversation_id), CONSENT)
    await answer_consent(chat, pat, consent, "accept", onedrive.url)
    book = load_workbook(io.BytesIO(onedrive.received[0]["body"]))
    assert book.sheetnames == ["Summary", "By team", "By course", "By month", "Feedback comments"]
    teams = {row[0]: row[1:] for row in book["By team"].iter_rows(min_row=2, values_only=True)}
    assert teams["Family Services"] == (3, 2, 2, 4, 0, 2, 1, 2)


async def test_declining_saves_nothing(chat, year, onedrive):
    pat = chat.coordinator()
    [totals] = cards_in(await pat.says("totals 2020-21"))
    await pat.presses(button(totals, "CSV"))
    [consent] = attachments_of(pat.connector.to(pat.conversation_id), CONSENT)
    answer = await answer_consent(chat, pat, consent, "decline", onedrive.url)
    assert texts_in(answer["replies"]) == [
        "No problem: I haven't saved the file. Ask again whenever you need it."
    ]
    assert onedrive.received == []
    assert "export.csv" not in audit_actions(chat)


@pytest.mark.parametrize(
    "tamper",
    [
        {"context": {"query": "totals 2020-21", "format": "exe", "offer": OFFER}},
        {"context": {"query": "totals wibble", "format": "csv", "offer": OFFER}},
        {"context": {"query": "totals 2020-21", "format": "csv"}},
        {"context": {"query": "totals 2020-21", "format": "csv", "offer": "../../x"}},
        {"context": "not an object"},
        {"uploadInfo": {"uploadUrl": "file:///etc/passwd", "name": "x.csv"}},
        {"uploadInfo": {"uploadUrl": "http://169.254.169.254/latest", "name": "x.csv"}},
        {"uploadInfo": {"uploadUrl": "https://files.example.com/x.csv", "name": "x.csv"}},
        {"action": "steal"},
    ],
)
async def test_a_tampered_consent_answer_changes_nothing(chat, year, onedrive, tamper):
    pat = chat.coordinator()
    consent = await _offer_csv(chat, pat)
    made = consent["content"]["acceptContext"]["offer"]
    if isinstance(tamper.get("context"), dict) and tamper["context"].get("offer") == OFFER:
        tamper = {"context": {**tamper["context"], "offer": made}}  # tampered, not forged
    answer = await answer_consent(chat, pat, consent, "accept", onedrive.url, tamper)
    assert texts_in(answer["replies"]) == [STALE]
    assert onedrive.received == []
    assert "export.csv" not in audit_actions(chat)
    await answer_consent(chat, pat, consent, "accept", onedrive.url)  # as it was sent
    assert len(onedrive.received) == 1


async def test_a_staff_member_cannot_accept_a_coordinators_file(chat, year, onedrive):
    megan = chat.user("Megan Bowen")
    consent = await _offer_csv(chat, chat.coordinator())
    answer = await answer_consent(chat, megan, consent, "accept", onedrive.url)
    assert texts_in(answer["replies"]) == [REPORTERS_ONLY]
    assert onedrive.received == []


async def test_report_as_a_word_document(chat, year, onedrive):
    from docx import Document

    pat = chat.coordinator()
    [report] = cards_in(await pat.says("report 2020-21"))
    assert "4 sessions were delivered in 2020-21" in card_text(report)
    await pat.presses(button(report, "Word document"))
    [consent] = attachments_of(pat.connector.to(pat.conversation_id), CONSENT)
    assert consent["name"].endswith(".docx")
    await answer_consent(chat, pat, consent, "accept", onedrive.url)
    document = Document(io.BytesIO(onedrive.received[0]["body"]))
    words = "\n".join(p.text for p in document.paragraphs)
    assert "Prevent training: 2020-21 (1 Apr 2020 to 31 Mar 2021)" in words
    assert "4 sessions were delivered in 2020-21, with 5 people attending" in words
    assert len(document.inline_shapes) == 1  # the chart
    assert audit_actions(chat) == ["report.view", "export.offer.docx", "export.docx"]


async def test_report_in_markdown(chat, year, onedrive):
    pat = chat.coordinator()
    [report] = cards_in(await pat.says("report 2020-21"))
    await pat.presses(button(report, "Markdown"))
    [consent] = attachments_of(pat.connector.to(pat.conversation_id), CONSENT)
    await answer_consent(chat, pat, consent, "accept", onedrive.url)
    markdown = onedrive.received[0]["body"].decode()
    assert markdown.startswith("## Prevent training: 2020-21")
    assert "| Family Services | 3 | 2 | 4 | 0 | 2 |" in markdown
    assert "](data:image/png;base64," in markdown


async def _offer_csv(chat, pat) -> dict:
    [totals] = cards_in(await pat.says("totals 2020-21"))
    await pat.presses(button(totals, "CSV"))
    return attachments_of(pat.connector.to(pat.conversation_id), CONSENT)[-1]


def _accept(pat, consent: dict, upload_url: str, **fields) -> dict:
    value = {
        "type": "fileUpload",
        "action": "accept",
        "context": consent["content"]["acceptContext"],
        "uploadInfo": {"name": consent["name"], "uploadUrl": f"{upload_url}/{consent['name']}"},
    }
    return pat.activity("invoke", name="fileConsent/invoke", value=value, **fields)


async def test_each_allow_saves_its_file_once_however_often_it_arrives(chat, year, onedrive):
    pat = chat.coordinator()
    consent = await _offer_csv(chat, pat)
    accept = _accept(pat, consent, onedrive.url)
    for again in (accept, accept, _accept(pat, consent, onedrive.url)):  # redelivered, replayed
        async with pat.http.post(pat.bot_url, json=again) as response:
            assert response.status == 200
        await chat.background_done()
    assert len(onedrive.received) == 1
    assert audit_actions(chat).count("export.csv") == 1
    replies = pat.new_replies()
    assert len(attachments_of(replies, FILE_INFO)) == 1
    assert texts_in(replies) == [ALREADY_SAVED] * 2

    second = await _offer_csv(chat, pat)  # a new offer is a new file
    await answer_consent(chat, pat, second, "accept", onedrive.url)
    assert len(onedrive.received) == 2


async def test_two_deliveries_of_one_allow_at_once_save_one_file(chat, year, onedrive):
    pat = chat.coordinator()
    accept = _accept(pat, await _offer_csv(chat, pat), onedrive.url)

    async def post() -> None:
        async with pat.http.post(pat.bot_url, json=accept) as response:
            assert response.status == 200

    await asyncio.gather(post(), post())
    await chat.background_done()
    assert len(onedrive.received) == 1


@pytest.mark.parametrize(
    "conversation",
    [
        {"id": "19:group-chat", "conversationType": "groupChat"},
        {"id": "19:channel;messageid=1", "conversationType": "channel"},
        {"id": "19:no-type"},
    ],
)
async def test_a_file_offer_is_accepted_only_in_the_personal_chat(
    chat, year, onedrive, conversation
):
    pat = chat.coordinator()
    consent = await _offer_csv(chat, pat)
    elsewhere = {**conversation, "tenantId": TENANT}
    accept = _accept(pat, consent, onedrive.url, conversation=elsewhere)
    async with pat.http.post(pat.bot_url, json=accept) as response:
        assert response.status == 200
    await chat.background_done()
    assert onedrive.received == []
    assert "export.csv" not in audit_actions(chat)
    assert texts_in(chat.connector.to(conversation["id"])) == [PERSONAL_CHAT_ONLY]

    await answer_consent(chat, pat, consent, "accept", onedrive.url)  # the same offer, at home
    assert len(onedrive.received) == 1


async def test_an_allow_for_an_offer_never_made_saves_nothing(chat, year, onedrive):
    """The offer id travels through the client: one the bot never sent, or sent to someone
    else, is refused, so no file is saved without a consent card having been shown."""
    pat = chat.coordinator()
    consent = await _offer_csv(chat, pat)
    forged = {
        **consent,
        "content": {
            **consent["content"],
            "acceptContext": {**consent["content"]["acceptContext"], "offer": "ForgedOfferId0001"},
        },
    }
    async with pat.http.post(pat.bot_url, json=_accept(pat, forged, onedrive.url)) as response:
        assert response.status == 200
    await chat.background_done()
    assert onedrive.received == []
    assert "export.csv" not in audit_actions(chat)
    assert texts_in(pat.new_replies()) == [STALE]

    await answer_consent(chat, pat, consent, "accept", onedrive.url)  # the real one still works
    assert len(onedrive.received) == 1


async def test_totals_and_the_report_are_one_read_each(chat, year, services):
    pat = chat.coordinator()
    [totals] = cards_in(await pat.says("totals 2020-21"))
    assert "Sessions delivered: 4" in card_text(totals)
    assert services == ["training.figures.questions.answer_totals"]
    services.clear()
    await pat.says("report 2020-21")
    assert services == ["training.figures.questions.answer_totals"]
    services.clear()
    [which] = cards_in(await pat.says("totals Family Services wibble"))
    assert "I didn't understand 'wibble'" in card_text(which)
    assert services == ["training.figures.questions.answer_totals"]


async def test_feedback_over_a_period_is_one_read(chat, year, services):
    await chat.coordinator().says("feedback summary 2020-21")
    assert services == ["training.figures.questions.feedback_for_period"]


async def test_a_file_offer_and_its_allow_are_one_call_each_around_the_file(
    chat, year, onedrive, services
):
    """Offering reads the figures, then (the file made) records the offer; Allow reads the
    answer once, then the background job makes the file and audits it before the upload."""
    pat = chat.coordinator()
    [totals] = cards_in(await pat.says("totals 2020-21"))
    services.clear()
    await pat.presses(button(totals, "CSV"))
    assert services == [
        "training.figures.questions.totals_to_export",
        "delivery.file_links.record_offer",
    ]
    services.clear()
    [consent] = attachments_of(pat.connector.to(pat.conversation_id), CONSENT)
    answer = await answer_consent(chat, pat, consent, "accept", onedrive.url)
    assert attachments_of(answer["replies"], FILE_INFO)
    assert services == [
        "training.figures.questions.accept_file_offer",
        "training.figures.totals.totals_for_export",
        "training.data_protection.audit.record",
    ]
