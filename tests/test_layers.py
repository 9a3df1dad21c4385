"""The import contract: which package may import which. Adapters call the domain; the domain
calls nothing outside itself but the database, so a rule read in `training/` is the whole rule.

Read from the source with `ast`, so an import inside a function or under `TYPE_CHECKING` counts
as much as one at the top of a module.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SDKS = {
    "aiohttp",
    "apscheduler",
    "azure",
    "botbuilder",
    "botframework",
    "docx",
    "microsoft_agents",
    "msal",
    "msgraph",
    "msgraph_core",
    "openpyxl",
    "PIL",
}


@dataclass(frozen=True)
class Rule:
    package: str
    forbidden: frozenset[str]
    why: str


RULES = [
    Rule(
        "training",
        frozenset({"bot", "graph", "scheduler", "documents", "config", "delivery", "demo"} | SDKS),
        "the domain is pure: adapters call it, it never calls them, and it holds no SDK",
    ),
    Rule(
        "documents",
        frozenset({"bot", "graph", "scheduler", "config", "database", "delivery", "demo"}),
        "files for people are built from the domain's plain figures only",
    ),
    Rule(
        "scheduler",
        frozenset({"bot", "graph"}),
        "the scheduler is handed what it runs by the composition root (bot/bootstrap.py)",
    ),
    Rule(
        "graph",
        frozenset({"bot", "scheduler", "documents", "demo"}),
        "the Graph adapter calls the domain and nothing above it",
    ),
    Rule(
        "database",
        frozenset({"bot", "graph", "scheduler", "documents", "config", "delivery", "demo"}),
        "the database package knows engines and migrations, not what uses them",
    ),
    Rule(
        "delivery",
        frozenset({"bot", "graph", "scheduler", "documents", "config", "demo"} | SDKS),
        "delivery keeps messages and files in the database; the bot sends them",
    ),
]


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def breaches(rule: Rule, root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / rule.package).rglob("*.py")):
        for name in sorted(imports_of(path)):
            if name.split(".")[0] in rule.forbidden:
                where = path.relative_to(root)
                found.append(f"{where} imports {name}, but {rule.package}/ must not: {rule.why}.")
    return found


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.package)
def test_each_package_imports_only_what_its_layer_allows(rule: Rule) -> None:
    assert (ROOT / rule.package / "__init__.py").exists(), f"{rule.package}/ is not a package"
    problems = breaches(rule)
    assert not problems, "\n".join(problems)


def test_a_forbidden_import_is_named_in_a_sentence(tmp_path: Path) -> None:
    (tmp_path / "training").mkdir()
    (tmp_path / "training" / "leaky.py").write_text(
        "def f():\n    from bot.fields import number\n    return number\n"
    )
    [problem] = breaches(RULES[0], root=tmp_path)
    assert problem.startswith("training/leaky.py imports bot.fields, but training/ must not: ")


def test_each_topic_folder_of_the_domain_holds_two_to_eight_modules_all_on_its_map() -> None:
    """A folder a newcomer can read at once: its `__init__` names every module it holds."""
    problems = []
    for folder in sorted(p for p in (ROOT / "training").iterdir() if (p / "__init__.py").exists()):
        modules = sorted(p.name for p in folder.glob("*.py") if p.name != "__init__.py")
        where = folder.relative_to(ROOT)
        if not 2 <= len(modules) <= 8:
            problems.append(f"{where}/ holds {len(modules)} modules; a topic folder holds 2 to 8.")
        listed = (folder / "__init__.py").read_text()
        problems += [
            f"{where}/__init__.py does not name {m} on its map." for m in modules if m not in listed
        ]
    assert not problems, "\n".join(problems)
