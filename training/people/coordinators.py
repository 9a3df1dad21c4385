"""Who holds each role: the Prevent coordinators, the people who report figures and the
auditors. Each is the people named in settings and the members of an optional Entra group as
last read (kept up to date from outside the domain: graph/coordinator_group.py)."""

from collections.abc import Iterable
from dataclasses import dataclass, field


class Members:
    """The people who hold one role, checked on the server for every command it allows.

    People are matched by Entra object id, or by email or user principal name, ignoring case.
    Until the group has been read once only the named people count (it fails closed)."""

    def __init__(self, named: Iterable[str] = ()) -> None:
        self.named = tuple(n.strip() for n in named if n.strip())
        self._named = frozenset(n.lower() for n in self.named)
        self._group: frozenset[str] = frozenset()
        self.group_read = False

    def use_group(self, identifiers: Iterable[str]) -> None:
        """The group's members as just read: their object ids, emails and principal names."""
        self._group = frozenset(i.strip().lower() for i in identifiers if i and i.strip())
        self.group_read = True

    def includes(self, aad_object_id: str | None, email: str | None = None) -> bool:
        group = self._group  # one reading: a refresh may swap it meanwhile
        return any(
            key and key.lower() in known
            for key in (aad_object_id, email)
            for known in (self._named, group)
        )

    def identifiers(self) -> list[str]:
        """Everyone who holds the role, as object ids and emails."""
        return [*self.named, *sorted(self._group - self._named)]


class Coordinators(Members):
    """The Prevent coordinators: they may do everything, and their reminders go to them all."""


@dataclass(frozen=True)
class Roles:
    """Everyone with more than a member of staff's rights, for least privilege: reporters see
    figures without personal data, auditors read the audit log, coordinators do everything."""

    coordinators: Coordinators
    reporters: Members = field(default_factory=Members)
    auditors: Members = field(default_factory=Members)


def as_coordinators(given: Coordinators | Iterable[str]) -> Coordinators:
    """`given` as it is, or the coordinators named in a list (tests, tools, COORDINATORS)."""
    return given if isinstance(given, Coordinators) else Coordinators(given)
