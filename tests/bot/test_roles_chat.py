"""Least privilege, over real HTTP: people in REPORTERS see the figures (totals, the board
report, their exports) and nothing with names in it; people in AUDITORS read the audit log and
nothing else; coordinators do everything. Every refusal is a sentence, checked on the server
whether the command is typed, pressed on a card or answered on a file consent card."""

import pytest

from tests.bot import test_totals_chat as totals_chat
from tests.bot.harness import TENANT, button, card_text, cards_in, texts_in
from tests.bot.test_totals_chat import CONSENT, OFFER, answer_consent, attachments_of, audit_actions

year = totals_chat.year
onedrive = totals_chat.onedrive

REPORTER_AAD = "a1000000-0000-0000-0000-0000000000e1"
AUDITOR_EMAIL = "ada.auditor@example.gov.uk"
PARTNER = "99999999-8888-7777-6666-555555555555"
COORDINATORS_ONLY = "Only the Prevent coordinators can do that."
REPORTERS_ONLY = "Only the Prevent coordinators and the people who report on training can see that."
AUDITORS_ONLY = "Only the Prevent coordinators and the auditors can read the audit log."


@pytest.fixture
def chat_settings() -> dict:
    # A reporter named by Entra object id, an auditor by email, as the settings allow either;
    # a partner tenant is served too, but only the home tenant's directory vouches for emails.
    return {
        "reporters": [REPORTER_AAD],
        "auditors": [AUDITOR_EMAIL.upper()],
        "microsoft_app_tenant_id": TENANT,
        "allowed_tenant_ids": [TENANT, PARTNER],
    }


def rita(chat):
    return chat.user("Rita Reporter", REPORTER_AAD)


def ada(chat):
    return chat.user("Ada Auditor", email=AUDITOR_EMAIL)


async def test_a_reporter_sees_totals_and_the_report_and_exports_the_figures(chat, year, onedrive):
    reporter = rita(chat)
    [totals] = cards_in(await reporter.says("totals 2020-21"))
    assert "2020-21" in card_text(totals)
    [report] = cards_in(await reporter.says("report 2020-21"))
    assert "4 sessions were delivered in 2020-21" in card_text(report)
    await reporter.presses(button(totals, "CSV"))
    [consent] = attachments_of(reporter.connector.to(reporter.conversation_id), CONSENT)
    await answer_consent(chat, reporter, consent, "accept", onedrive.url)
    [upload] = onedrive.received
    assert upload["body"].decode("utf-8-sig").splitlines()[1].startswith("All,2020-21")
    assert audit_actions(chat) == ["totals.view", "report.view", "export.offer.csv", "export.csv"]


@pytest.mark.parametrize(
    "typed",
    ["roster 1", "feedback summary 2020-21", "no team", "unmatched", "new session", "team map"],
)
async def test_a_reporter_is_refused_what_names_people_or_changes_things(chat, year, typed):
    replies = await rita(chat).says(typed)
    assert texts_in(replies) == [COORDINATORS_ONLY]
    assert cards_in(replies) == []


async def test_a_reporter_cannot_read_the_audit_log(chat, year):
    assert texts_in(await rita(chat).says("audit log")) == [AUDITORS_ONLY]


async def test_a_reporter_is_refused_a_roster_file_even_answering_a_consent_card(
    chat, year, onedrive
):
    roster_offer = {
        "name": "roster-session-1.csv",
        "content": {"acceptContext": {"roster": 1, "format": "csv", "offer": OFFER}},
    }
    answer = await answer_consent(chat, rita(chat), roster_offer, "accept", onedrive.url)
    assert texts_in(answer["replies"]) == [COORDINATORS_ONLY]
    assert onedrive.received == []


async def test_an_auditor_reads_the_audit_log_and_nothing_else(chat, year):
    await chat.coordinator().says("totals 2020-21")
    auditor = ada(chat)
    [log] = cards_in(await auditor.says("audit log"))
    assert "Audit log" in card_text(log)
    assert "Pat Coordinator" in card_text(log)
    for typed in ("totals 2020-21", "report 2020-21"):
        assert texts_in(await auditor.says(typed)) == [REPORTERS_ONLY]
    assert texts_in(await auditor.says("roster 1")) == [COORDINATORS_ONLY]
    pressed = await auditor.presses(
        {"verb": "export_totals", "data": {"query": "totals 2020-21", "format": "csv"}}
    )
    assert pressed["value"] == REPORTERS_ONLY


async def test_staff_are_refused_figures_and_the_audit_log(chat, year):
    megan = chat.user("Megan Bowen")
    assert texts_in(await megan.says("report 2020-21")) == [REPORTERS_ONLY]
    assert texts_in(await megan.says("audit log")) == [AUDITORS_ONLY]
    assert audit_actions(chat) == []


async def test_a_coordinator_may_do_what_reporters_and_auditors_may(chat, year):
    pat = chat.coordinator()
    assert cards_in(await pat.says("totals 2020-21"))
    assert cards_in(await pat.says("report 2020-21"))
    assert cards_in(await pat.says("audit log"))


async def test_an_auditors_email_from_another_tenant_is_not_believed(chat, year):
    """Another tenant's administrator can give anyone any email: only the council's own
    directory vouches for an auditor (or reporter) named by email."""
    impostor = chat.user("Mallory Partner", tenant=PARTNER, email=AUDITOR_EMAIL)
    assert texts_in(await impostor.says("audit log")) == [AUDITORS_ONLY]


async def test_help_shows_each_role_what_it_may_do(chat):
    reporter_help = card_text(cards_in(await rita(chat).says("help"))[0])
    assert "totals 2020-21" in reporter_help and "report 2020-21" in reporter_help
    assert "audit log" not in reporter_help and "roster 12" not in reporter_help
    auditor_help = card_text(cards_in(await ada(chat).says("help"))[0])
    assert "audit log" in auditor_help and "totals 2020-21" not in auditor_help
    staff_help = card_text(cards_in(await chat.user("Megan Bowen").says("help"))[0])
    assert "totals 2020-21" not in staff_help and "audit log" not in staff_help
