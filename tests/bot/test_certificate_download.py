"""The manager sees the certificate through a short-lived signed link that downloads it as a
file: never rendered as a page, only for the manager, and every download audited."""

import json
from datetime import timedelta
from urllib.parse import urlsplit

from sqlmodel import select

from bot.app import WRAPBOT
from tests.bot.graph_chat import offer
from tests.bot.harness import button, buttons, card_from_invoke, card_text, cards_in
from tests.graph.scenario import AAD
from training.models import AuditEntry, ElearningClaim

PDF = b"%PDF-1.7\n" + b"1" * 3000
MANAGER_AAD = "eeeeeeee-0000-0000-0000-00000000000m"
NOT_FOUND_OR_NOT_YOURS = "I can't find that e-learning record, or it isn't yours to act on."


async def _claim_with_manager(chat, graph_server, files) -> tuple:
    ann = chat.user("Ann Able", AAD["A"])
    mo = chat.user("Mo Manager", MANAGER_AAD)
    await mo.says("hi")
    graph_server.add_user(AAD["A"], "Ann Able", ann.email)
    graph_server.add_user(MANAGER_AAD, "Mo Manager", mo.email)
    graph_server.managers[AAD["A"]] = MANAGER_AAD
    await ann.says("record e-learning", attachments=offer(files, "cert.pdf", PDF))
    await chat.app[WRAPBOT].background.drain()
    await chat.notices_sent()
    [ask] = cards_in(mo.new_replies())
    return ann, mo, ask


def _link(card: dict) -> str:
    [url] = [
        a["url"]
        for block in card["body"]
        if block.get("type") == "ActionSet"
        for a in block["actions"]
        if a["type"] == "Action.OpenUrl"
    ]
    return url


def _on_test_server(chat, link: str) -> str:
    # The link carries PUBLIC_URL (here the default); the test server listens on its own port.
    return chat.url.removesuffix("/api/messages") + urlsplit(link).path


def _views(chat) -> int:
    with chat.database.unit_of_work() as db:
        rows = db.exec(
            select(AuditEntry).where(AuditEntry.action == "elearning.certificate.view")
        ).all()
        return len(rows)


async def test_the_manager_downloads_the_certificate_as_a_file(graph_chat, graph_server, files):
    _, mo, ask = await _claim_with_manager(graph_chat, graph_server, files)

    shown = card_from_invoke(await mo.presses(button(ask, "View certificate")))

    assert "for you only and lasts 10 minutes" in card_text(shown)
    assert button(shown, "Confirm")  # still the card to decide on
    async with graph_chat.http.get(_on_test_server(graph_chat, _link(shown))) as response:
        assert response.status == 200
        assert await response.read() == PDF
        headers = response.headers
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert _views(graph_chat) == 1


async def test_nobody_else_gets_a_link_and_a_link_cannot_be_bent(graph_chat, graph_server, files):
    ann, mo, ask = await _claim_with_manager(graph_chat, graph_server, files)
    for someone in (ann, graph_chat.user("Eve Evans", AAD["E"]), graph_chat.coordinator()):
        refused = await someone.presses(button(ask, "View certificate"))
        assert refused["value"] == NOT_FOUND_OR_NOT_YOURS
    url = _on_test_server(
        graph_chat, _link(card_from_invoke(await mo.presses(button(ask, "View certificate"))))
    )
    claim, staff, expires, sha, signature = url.rsplit("/", 1)[1].split(".")
    base = url.rsplit("/", 1)[0]
    bent = [
        f"{base}/{int(claim) + 1}.{staff}.{expires}.{sha}.{signature}",  # another claim
        f"{base}/{claim}.{int(staff) + 1}.{expires}.{sha}.{signature}",  # another person
        f"{base}/{claim}.{staff}.{int(expires) + 3600}.{sha}.{signature}",  # a longer life
        f"{base}/{claim}.{staff}.{expires}.{sha}.{signature[:-2]}xx",  # forged
        f"{base}/{claim}.{staff}.{expires}",  # cut short
        f"{base}/..%2F..%2Fetc%2Fpasswd",
    ]
    for wrong in bent:
        async with graph_chat.http.get(wrong) as response:
            assert response.status == 404, wrong
            assert (await response.text()) == "This certificate link is not valid."
    assert _views(graph_chat) == 0

    graph_chat.clock.move_to(graph_chat.clock.now() + timedelta(minutes=11))
    async with graph_chat.http.get(url) as response:
        assert response.status == 410
        assert "expired" in await response.text()
    assert _views(graph_chat) == 0


async def test_a_guessed_claim_id_and_someone_elses_claim_get_the_same_sentence(
    graph_chat, graph_server, files
):
    _, _, ask = await _claim_with_manager(graph_chat, graph_server, files)
    eve = graph_chat.user("Eve Evans", AAD["E"])
    [claim_id] = {b["data"]["claim_id"] for b in buttons(ask)}
    for verb in ("confirm_elearning", "reject_elearning", "view_certificate", "name_manager"):
        for guess in (claim_id, 999_999):  # hers, and one nobody has
            press = {"verb": verb, "data": {"claim_id": guess}}
            refused = await eve.presses(press)
            assert refused["value"] == NOT_FOUND_OR_NOT_YOURS, (verb, guess)
            assert "Ann" not in json.dumps(refused)
    assert _views(graph_chat) == 0
    with graph_chat.database.unit_of_work() as db:
        [claim] = db.exec(select(ElearningClaim)).all()
        assert (claim.status, claim.manager_staff_id is not None) == ("pending", True)


def _audited(chat, action: str) -> list[str]:
    with chat.database.unit_of_work() as db:
        return list(db.exec(select(AuditEntry.detail).where(AuditEntry.action == action)).all())


async def test_a_forwarded_certificate_link_works_once(graph_chat, graph_server, files):
    _, mo, ask = await _claim_with_manager(graph_chat, graph_server, files)
    shown = card_from_invoke(await mo.presses(button(ask, "View certificate")))
    assert "it works once" in card_text(shown)
    url = _on_test_server(graph_chat, _link(shown))

    mine = {"User-Agent": "Edge/120 (Mo's laptop)"}
    async with graph_chat.http.get(url, headers=mine) as response:
        assert response.status == 200 and await response.read() == PDF
    forwarded = {"User-Agent": "curl/8.5", "X-Forwarded-For": "203.0.113.9"}
    async with graph_chat.http.get(url, headers=forwarded) as response:
        assert response.status == 410
        assert response.headers["Content-Type"].startswith("text/plain")
        assert (await response.text()).startswith("This link has already been used")

    [viewed] = _audited(graph_chat, "elearning.certificate.view")
    assert "fetched from 127.0.0.1" in viewed and "Edge/120 (Mo's laptop)" in viewed
    [reused] = _audited(graph_chat, "link.reused")
    assert "127.0.0.1 (forwarded for 203.0.113.9)" in reused and "curl/8.5" in reused
