"""Every audit code the code records reads as a sentence in the audit log (issue 14)."""

import ast
from pathlib import Path

import pytest

from training.data_protection.audit import SENTENCES, sentence

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("training", "bot", "scheduler", "graph", "documents", "database", "delivery", "demo")


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "text" assignments, to read `record(..., REFRESH_ACTION, ...)`."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _is_audit_record(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "record"
        and (getattr(node.value, "id", "") == "audit")
    )


def _action_of(call: ast.Call, path: Path) -> ast.expr | None:
    """The code argument of `audit.record(db, who, code, ...)`, or of a runner that calls it
    with a unit of work: `database.run(audit.record, who, code, ...)`."""
    if _is_record(call, path):
        return call.args[2] if len(call.args) > 2 else None
    for index, argument in enumerate(call.args):
        if _is_audit_record(argument) and len(call.args) > index + 2:
            return call.args[index + 2]
    return None


def _is_record(call: ast.Call, path: Path) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr == "record" and getattr(func.value, "id", "") == "audit"
    return isinstance(func, ast.Name) and func.id == "record" and path.name == "audit.py"


def _parameters_with_defaults(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
) -> dict[str, ast.expr | None]:
    args = function.args
    positional = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
    pairs = list(zip(args.args, positional, strict=True))
    pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    return {argument.arg: default for argument, default in pairs}


def _called(call: ast.Call) -> set[str]:
    """The names a call may run: its function, or a service handed to a runner."""
    return {getattr(n, "attr", getattr(n, "id", "")) for n in [call.func, *call.args]}


def _handed_on(
    trees: list[ast.Module], passed_through: set[tuple[str, str]], codes: set[str]
) -> set[tuple[str, str]]:
    """Parameters that hand a code on to one already passed through, as
    `answer_totals(action=...)` gives it to `view_totals(action=action)`, until none is new;
    their defaults are codes too."""
    found = set(passed_through)
    while True:
        new = set()
        for tree in trees:
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                parameters = _parameters_with_defaults(function)
                for node in ast.walk(function):
                    if not isinstance(node, ast.Call):
                        continue
                    for keyword in node.keywords:
                        given = keyword.value
                        if not (isinstance(given, ast.Name) and given.id in parameters):
                            continue
                        if any((name, keyword.arg) in found for name in _called(node)):
                            new.add((function.name, given.id))
                            default = parameters[given.id]
                            if isinstance(default, ast.Constant) and isinstance(default.value, str):
                                codes.add(default.value)
        if new <= found:
            return found
        found |= new


def recorded_codes() -> set[str]:
    """Every code passed to `audit.record`: literals, module constants, either side of a
    conditional, and for a code passed in through a parameter (`view_totals(action=...)`)
    the parameter's default and every value callers give it by keyword."""
    codes: set[str] = set()
    passed_through: set[tuple[str, str]] = set()  # (function, parameter)
    trees = [ast.parse(p.read_text()) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    paths = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    for path, tree in zip(paths, trees, strict=True):
        constants = _constants(tree)
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            parameters = _parameters_with_defaults(function)
            for node in ast.walk(function):
                action = _action_of(node, path) if isinstance(node, ast.Call) else None
                if action is None:
                    continue
                inside_fstrings = {
                    id(inner)
                    for outer in ast.walk(action)
                    if isinstance(outer, ast.JoinedStr)
                    for inner in ast.walk(outer)
                    if inner is not outer
                }
                for part in ast.walk(action):
                    if id(part) in inside_fstrings:
                        continue
                    if isinstance(part, ast.JoinedStr):  # f"export.{format}": a family of codes
                        start = part.values[0]
                        assert isinstance(start, ast.Constant), ast.unparse(part)
                        codes.add(f"{start.value}*")
                    elif isinstance(part, ast.Constant) and isinstance(part.value, str):
                        codes.add(part.value)
                    elif isinstance(part, ast.Name) and part.id in constants:
                        codes.add(constants[part.id])
                    elif isinstance(part, ast.Name) and part.id in parameters:
                        passed_through.add((function.name, part.id))
                        default = parameters[part.id]
                        if isinstance(default, ast.Constant) and isinstance(default.value, str):
                            codes.add(default.value)
    passed_through |= _handed_on(trees, passed_through, codes)
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            # Called directly, or handed to a runner: `database.run(totals.view_totals, ...)`.
            called = {getattr(n, "attr", getattr(n, "id", "")) for n in [node.func, *node.args]}
            for keyword in node.keywords:
                given = keyword.value
                if not (isinstance(given, ast.Constant) and isinstance(given.value, str)):
                    continue
                if any((name, keyword.arg) in passed_through for name in called):
                    codes.add(given.value)
    return codes


def test_the_code_records_the_codes_we_expect_to_find():
    found = recorded_codes()
    assert {"session.roster.view", "team.directory_refresh", "totals.view", "report.view"} <= found
    assert {"board.create", "board.change", "elearning.reject", "audit.view"} <= found
    assert {"export.*", "export.offer.*", "export.download"} <= found


def test_every_code_recorded_has_a_sentence():
    assert recorded_codes() - set(SENTENCES) == set()


def test_no_sentence_is_left_for_a_code_nothing_records():
    found = recorded_codes()
    families = [code[:-1] for code in found if code.endswith("*")]
    # 'export.roster.*' words one kind of 'export.*' (its format names the roster)
    refined = {key for key in SENTENCES if key.endswith("*") and key.startswith(tuple(families))}
    assert set(SENTENCES) - found - refined == set()


@pytest.mark.parametrize(
    ("actor", "code", "subject", "said"),
    [
        ("Pat", "attendance.unmatched.view", "", "Pat viewed the unmatched attendees"),
        ("Pat", "session.roster.view", "session 12", "Pat viewed the roster of session 12"),
        (
            "the system",
            "team.directory_refresh",
            "",
            "The system read teams from the staff directory",
        ),
        ("Pat", "something.new", "session 3", "Pat did 'something.new' (session 3)"),
        (
            "Pat",
            "export.offer.roster.xlsx",
            "session 4",
            "Pat was offered the roster of session 4 as a file",
        ),
        ("Pat", "export.csv", "2020-21", "Pat saved the figures for 2020-21 as a file"),
    ],
)
def test_an_entry_reads_as_a_sentence(actor, code, subject, said):
    assert sentence(actor, code, subject) == said
