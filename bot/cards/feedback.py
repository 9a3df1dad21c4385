"""The feedback form people get after a session, and its thank-you."""

from zoneinfo import ZoneInfo

from bot.cards.elements import Card, Element, card, execute, heading, text, when
from training.figures.feedback import FeedbackAnswers, FeedbackForm, FeedbackReceipt

SCALE = [
    ("1", "1 - poor"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 - excellent"),
]
CONFIDENCE = [
    ("1", "1 - not at all"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 - very"),
]
RATINGS = ("overall", "usefulness", "confidence_before", "confidence_after")


def _rating(id_: str, label: str, scale: list[tuple[str, str]], value: int | None) -> Element:
    field = {
        "type": "Input.ChoiceSet",
        "id": id_,
        "label": label,
        "isRequired": True,
        "errorMessage": "Please choose 1 to 5.",
        "choices": [{"title": title, "value": v} for v, title in scale],
    }
    if value is not None:
        field["value"] = str(value)
    return field


def _comment(id_: str, label: str, value: str) -> Element:
    return {
        "type": "Input.Text",
        "id": id_,
        "label": label,
        "isMultiline": True,
        "maxLength": 1000,
        "value": value,
    }


def _kept(saved: FeedbackAnswers, typed: dict[str, str]) -> FeedbackAnswers:
    """The answers to show: what the person just sent where they sent something (so one
    refused answer loses none of the others), else what was saved before."""

    def rating(name: str, before: int) -> int:
        value = typed.get(name, "").strip()
        return int(value) if value in {"1", "2", "3", "4", "5"} else before

    def comment(name: str, before: str) -> str:
        return typed.get(name, before)

    consent = typed.get("consent_to_attribute")
    return FeedbackAnswers(
        overall=rating("overall", saved.overall),
        usefulness=rating("usefulness", saved.usefulness),
        confidence_before=rating("confidence_before", saved.confidence_before),
        confidence_after=rating("confidence_after", saved.confidence_after),
        most_useful=comment("most_useful", saved.most_useful),
        could_be_better=comment("could_be_better", saved.could_be_better),
        consent_to_attribute=(
            saved.consent_to_attribute if consent is None else consent.lower() == "true"
        ),
    )


def feedback_card(
    form: FeedbackForm, zone: ZoneInfo, error: str = "", typed: dict[str, str] | None = None
) -> Card:
    """The form, filled with the saved answers; after a refusal, with every answer the person
    sent (`typed`) and what to fix."""
    session = form.session
    answers = _kept(form.answers or FeedbackAnswers(0, 0, 0, 0), typed or {})
    given = form.answers is not None
    closes = form.respond_by.astimezone(zone)
    body: list[Element] = [
        heading(f"How was {session.course_title}?"),
        text(f"{when(session, zone)}. It takes a minute and helps us improve.", spacing="None"),
    ]
    if error:
        body.append(text(f"⚠️ {error}", color="Attention"))
    body += [
        _rating("overall", "Overall, how was the session?", SCALE, answers.overall or None),
        _rating(
            "usefulness", "How useful was it for your role?", SCALE, answers.usefulness or None
        ),
        _rating(
            "confidence_before",
            "Before the session, how confident were you to recognise and refer a concern?",
            CONFIDENCE,
            answers.confidence_before or None,
        ),
        _rating(
            "confidence_after",
            "And now, after it?",
            CONFIDENCE,
            answers.confidence_after or None,
        ),
        _comment("most_useful", "What was most useful?", answers.most_useful),
        _comment("could_be_better", "What could be better?", answers.could_be_better),
        {
            "type": "Input.Toggle",
            "id": "consent_to_attribute",
            "title": "The coordinator may show my name with my comments",
            "value": "true" if answers.consent_to_attribute else "false",
            "valueOn": "true",
            "valueOff": "false",
        },
        text(
            f"You can change your answers until {closes:%A} {closes.day} {closes:%B} "
            f"{closes:%H:%M}.",
            isSubtle=True,
        ),
    ]
    title = "Update my feedback" if given else "Send feedback"
    return card(body, [execute(title, "submit_feedback", style="positive", session_id=session.id)])


def feedback_thanks_card(receipt: FeedbackReceipt, zone: ZoneInfo) -> Card:
    closes = receipt.respond_by.astimezone(zone)
    what = "updated" if receipt.changed else "received"
    return card(
        [
            heading(f"Thank you: feedback {what}"),
            text(f"{receipt.session.course_title}, {when(receipt.session, zone)}."),
            text(
                f"Changed your mind? Type 'feedback {receipt.session.id}' before "
                f"{closes:%A} {closes.day} {closes:%B}.",
                isSubtle=True,
            ),
        ],
        [execute("Change my answers", "feedback_form", session_id=receipt.session.id)],
    )
