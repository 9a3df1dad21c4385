"""Names a newcomer can follow: a feature's cards are in the card module of the same name, and
no class in the bot shares its name with one in the domain (`Booking` is the row, never the
commands that make one)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CARDS = ROOT / "bot" / "cards"
FEATURES = ROOT / "bot" / "features"
# Card modules no feature is named after, and why.
NOT_A_FEATURE = {
    "elements": "the shared building blocks every card is made of",
    "reminders": "the card the reminder sweep sends when a reminder falls due; no command draws it",
}


def _modules(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("*.py") if path.stem != "__init__"}


def _classes(package: str) -> dict[str, Path]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                found[node.name] = path.relative_to(ROOT)
    return found


def test_every_card_module_is_named_after_the_feature_that_draws_it():
    stray = _modules(CARDS) - _modules(FEATURES) - NOT_A_FEATURE.keys()
    assert not stray, (
        f"bot/cards/{sorted(stray)} names no feature: "
        "a feature's cards go in bot/cards/<feature>.py"
    )


def test_each_feature_draws_its_cards_from_its_own_card_module():
    for feature in _modules(FEATURES):
        tree = ast.parse((FEATURES / f"{feature}.py").read_text())
        drawn_from = {
            node.module.removeprefix("bot.cards.")
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.cards.")
        }
        others = drawn_from - {feature, "elements"}
        assert not others, f"bot/features/{feature}.py draws cards from bot/cards/{sorted(others)}"


def test_no_bot_class_shares_a_name_with_a_domain_class():
    domain = _classes("training")
    shared = {
        name: (str(path), str(domain[name]))
        for name, path in _classes("bot").items()
        if name in domain
    }
    assert not shared, f"rename the bot's side (e.g. BookingCommands): {shared}"
