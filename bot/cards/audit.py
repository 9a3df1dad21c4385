"""The audit trail as a card for coordinators."""

from zoneinfo import ZoneInfo

from bot.cards.elements import Card, bold, card, heading, local_date, markdown, text
from training.data_protection.audit import AuditLine


def audit_card(lines: list[AuditLine], zone: ZoneInfo) -> Card:
    body = [heading("Audit log (newest first)")]
    if not lines:
        body.append(text("Nothing recorded yet."))
    for line in lines:
        actor = line.actor[:1].upper() + line.actor[1:]
        body.append(
            text(
                markdown(f"{local_date(line.at, zone)} · ", bold(actor), f" {line.did}"),
                spacing="Small",
            )
        )
        if line.detail:
            body.append(text(line.detail, isSubtle=True, spacing="None", size="Small"))
    return card(body)
