"""Cards the e-learning feature draws: certificate claims, manager confirmations, pending claims."""

from zoneinfo import ZoneInfo

from bot.cards.elements import (
    Card,
    Element,
    bold,
    card,
    execute,
    facts,
    heading,
    local_date,
    markdown,
    text,
)
from training.records.elearning import ClaimView


def _claim_facts(claim: ClaimView, zone: ZoneInfo) -> Element:
    return facts(
        [
            ("Who", claim.staff_name),
            ("Course", claim.course_title),
            ("Told us", local_date(claim.claimed_at, zone)),
            (
                "Certificate",
                f"{claim.certificate_name} ({claim.certificate_kind}, "
                f"{max(claim.certificate_size // 1024, 1)} KB)",
            ),
        ]
    )


Download = tuple[str, int]  # a signed link to the certificate, and how many minutes it lasts


def _download_block(download: Download | None) -> list[Element]:
    if download is None:
        return []
    url, minutes = download
    return [
        text(
            f"🔒 This download link is for you only and lasts {minutes} minutes, and it works "
            "once: press View certificate again for a new one. The file is saved to your "
            "device, not opened in Teams.",
            isSubtle=True,
        ),
        {
            "type": "ActionSet",
            "actions": [{"type": "Action.OpenUrl", "title": "Download certificate", "url": url}],
        },
    ]


def manager_confirmation_card(
    claim: ClaimView, zone: ZoneInfo, download: Download | None = None
) -> Card:
    return card(
        [
            heading("Please confirm Prevent e-learning"),
            text(
                f"{claim.staff_name} says they completed {claim.course_title} and sent their "
                "certificate. As their manager, can you confirm it?"
            ),
            _claim_facts(claim, zone),
            *_download_block(download),
        ],
        [
            execute("Confirm", "confirm_elearning", style="positive", claim_id=claim.claim_id),
            execute("Reject", "reject_elearning", style="destructive", claim_id=claim.claim_id),
            execute("View certificate", "view_certificate", claim_id=claim.claim_id),
        ],
    )


def claim_decided_card(claim: ClaimView, zone: ZoneInfo, download: Download | None = None) -> Card:
    verdict = "✅ Confirmed" if claim.status == "confirmed" else "❌ Rejected"
    return card(
        [
            heading(f"{verdict}: {claim.staff_name}'s e-learning"),
            _claim_facts(claim, zone),
            *_download_block(download),
        ]
    )


def claim_sent_card(claim: ClaimView, zone: ZoneInfo) -> Card:
    if claim.status == "awaiting_approval":
        said = (
            f"A Prevent coordinator will check that {claim.manager_name} is your manager; then "
            "I'll ask them to confirm it. It counts once they do."
        )
    else:
        said = f"I've asked {claim.manager_name} to confirm it. It counts once they do."
    return card([heading("📄 Certificate received"), text(said), _claim_facts(claim, zone)])


def name_manager_card(claim: ClaimView, error: str = "") -> Card:
    body: list[Element] = [
        heading("📄 Certificate received"),
        text("I couldn't find your manager in the directory. Who should confirm it?"),
    ]
    if error:
        body.append(text(f"⚠️ {error}", color="Attention"))
    body.append(
        {
            "type": "Input.Text",
            "id": "manager_email",
            "label": "Manager's email",
            "isRequired": True,
            "errorMessage": "Give your manager's email address.",
            "maxLength": 320,
        }
    )
    return card(body, [execute("Send to my manager", "name_manager", claim_id=claim.claim_id)])


def pending_confirmations_card(claims: list[ClaimView], zone: ZoneInfo) -> Card:
    body: list[Element] = [heading(f"E-learning waiting for confirmation ({len(claims)})")]
    if not claims:
        body.append(text("Nothing is waiting."))
    for claim in claims:
        item: list[Element] = [
            text(
                markdown(
                    bold(claim.staff_name),
                    f": told us {local_date(claim.claimed_at, zone)}; {_with_whom(claim)}",
                )
            )
        ]
        if claim.status == "pending":
            actions = [execute("Chase the manager", "chase_confirmation", claim_id=claim.claim_id)]
        elif claim.status == "awaiting_approval":
            actions = [
                execute(
                    "Approve manager", "approve_manager", style="positive", claim_id=claim.claim_id
                ),
                execute("Not their manager", "refuse_manager", claim_id=claim.claim_id),
            ]
        else:
            actions = []
        if actions:
            item.append({"type": "ActionSet", "actions": actions})
        body.append({"type": "Container", "separator": True, "items": item})
    return card(body)


def _with_whom(claim: ClaimView) -> str:
    if claim.manager_name is None:
        return "no manager named yet"
    named = " (named by them, not from the directory)" if claim.manager_named else ""
    if claim.status == "awaiting_approval":
        return f"names {claim.manager_name} as their manager: waiting for your approval"
    chased = f", chased {claim.chase_count}×" if claim.chase_count else ""
    return f"with {claim.manager_name}{named}{chased}"
