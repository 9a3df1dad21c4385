"""The card the my training feature draws: a person's own completions and refresher dates."""

from zoneinfo import ZoneInfo

from bot.cards.elements import (
    Card,
    Element,
    bold,
    card,
    heading,
    local_date,
    markdown,
    text,
)
from training.records.my_training import MyTraining


def my_training_card(mine: MyTraining, zone: ZoneInfo) -> Card:
    body: list[Element] = [heading("Your Prevent training")]
    if not mine.completions:
        body.append(
            text(
                "No completed training on record yet. Type 'sessions' to book WRAP, "
                "or 'record e-learning' if you finished the Home Office package."
            )
        )
    for line in mine.completions:
        how = "e-learning, confirmed" if line.source == "elearning" else "attended"
        if line.refresher_due is None:
            due = "renewed since"
        else:
            due = "⚠️ refresher overdue since" if line.overdue else "refresher due"
            due += " " + local_date(line.refresher_due, zone)
        body.append(
            text(
                markdown(
                    "✅ ",
                    bold(line.course_title),
                    f": {local_date(line.completed_at, zone)} ({how}); {due}",
                )
            )
        )
    body += [text(f"⏳ {pending}", isSubtle=True) for pending in mine.pending]
    return card(body)
