"""Check JSON the local Graph server sends against Graph's own v1.0 metadata.

`graph_v1_subset.json` (next to this file) is the part of Microsoft's published CSDL we use
(microsoftgraph/msgraph-metadata, MIT): each type's base type, properties with EDM types,
navigation properties, whether it is open, and enums. A key that is not a property of its type,
or a value of the wrong type, means the test server is lying about Graph.
"""

import json
import re
from pathlib import Path
from typing import Any

SUBSET: dict[str, Any] = json.loads((Path(__file__).parent / "graph_v1_subset.json").read_text())
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?(Z|[+-]\d\d:\d\d)$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


# Bound actions we call, with their parameters as Graph's CSDL declares them (the subset file
# holds types only): <Action Name="cancel" IsBound="true"> on graph.event takes
# <Parameter Name="Comment" Type="Edm.String"/>; msgraph-sdk's generated CancelPostRequestBody,
# built from the same CSDL, writes exactly that name.
ACTIONS: dict[str, dict[str, str]] = {"graph.event/cancel": {"Comment": "Edm.String"}}


def action_problems(body: Any, action: str) -> list[str]:
    """What is wrong with the JSON body of a call to a bound action (e.g. 'graph.event/cancel')."""
    if not isinstance(body, dict):
        return [f"{action}: the body must be an object"]
    parameters = ACTIONS[action]
    found = [f"{action}: {k!r} is not a parameter" for k in body if k not in parameters]
    for key, kind in parameters.items():
        if key in body:
            found += problems(body[key], kind, f"{action}.{key}")
    return found


def _chain(type_name: str) -> list[str]:
    chain = []
    while type_name:
        chain.append(type_name)
        type_name = SUBSET[type_name].get("base") or ""
    return chain


def _members(type_name: str) -> dict[str, str]:
    members: dict[str, str] = {}
    for name in _chain(type_name):
        members.update(SUBSET[name].get("props", {}))
        members.update(SUBSET[name].get("nav", {}))
    return members


def _derived_members(type_name: str) -> dict[str, str]:
    """Properties of types derived from `type_name` (an open type may carry them untyped)."""
    found: dict[str, str] = {}
    for name, spec in SUBSET.items():
        if "props" in spec and name != type_name and type_name in _chain(name):
            found.update(spec["props"])
    return found


def problems(value: Any, type_name: str, path: str = "$") -> list[str]:
    """Everything wrong with `value` as a `type_name` (e.g. 'graph.attendanceRecord')."""
    if value is None:
        return []
    if type_name.startswith("Collection("):
        if not isinstance(value, list):
            return [f"{path}: expected a list for {type_name}"]
        inner = type_name[len("Collection(") : -1]
        return [p for i, item in enumerate(value) for p in problems(item, inner, f"{path}[{i}]")]
    simple = {
        "Edm.String": lambda v: isinstance(v, str),
        "Edm.Int32": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "Edm.Int64": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "Edm.Double": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "Edm.Boolean": lambda v: isinstance(v, bool),
        "Edm.DateTimeOffset": lambda v: isinstance(v, str) and bool(DATE_TIME.match(v)),
        "Edm.Guid": lambda v: isinstance(v, str) and bool(GUID.match(v)),
    }
    if type_name in simple:
        ok = simple[type_name](value)
        return [] if ok else [f"{path}: {value!r} is not {type_name}"]
    if type_name not in SUBSET:
        return [f"{path}: type {type_name} is not in the metadata subset"]
    spec = SUBSET[type_name]
    if "enum" in spec:
        ok = isinstance(value, str) and all(p in spec["enum"] for p in value.split(","))
        return [] if ok else [f"{path}: {value!r} is not a {type_name}"]
    return _object_problems(value, type_name, path)


def _object_problems(value: Any, type_name: str, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected an object for {type_name}"]
    declared = value.get("@odata.type")
    if isinstance(declared, str):
        actual = "graph." + declared.removeprefix("#microsoft.graph.")
        if actual not in SUBSET or type_name not in _chain(actual):
            return [f"{path}: @odata.type {declared} is not a {type_name}"]
        type_name = actual
    members = _members(type_name)
    found = []
    for key, item in value.items():
        if key.startswith("@odata.") or "@odata." in key:
            continue  # annotations (@odata.context, @odata.nextLink, x@odata.context)
        if key in members:
            found += problems(item, members[key], f"{path}.{key}")
        elif SUBSET[type_name].get("open") and key in _derived_members(type_name):
            found += problems(item, _derived_members(type_name)[key], f"{path}.{key}")
        else:
            found.append(f"{path}: {key!r} is not a property of {type_name}")
    return found


def check(value: Any, type_name: str) -> None:
    wrong = problems(value, type_name)
    assert not wrong, "not what real Graph sends:\n" + "\n".join(wrong)


def check_collection(payload: dict[str, Any], type_name: str) -> None:
    """A collection response: `value` of `type_name` plus OData annotations only."""
    extra = [k for k in payload if k != "value" and not k.startswith("@odata.")]
    assert not extra, f"unexpected keys in a collection response: {extra}"
    check(payload.get("value"), f"Collection({type_name})")
