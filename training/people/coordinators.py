"""Who the Prevent coordinators are: the people named in settings, and the members of an Entra
group as last read (kept up to date from outside the domain: graph/coordinator_group.py)."""

from collections.abc import Iterable


class Coordinators:
    """Checked on the server for every coordinator action, and the audience of their reminders.

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
        """Everyone to treat as a coordinator, as object ids and emails (for reminders)."""
        return [*self.named, *sorted(self._group - self._named)]


def as_coordinators(given: Coordinators | Iterable[str]) -> Coordinators:
    """`given` as it is, or the coordinators named in a list (tests, tools, COORDINATORS)."""
    return given if isinstance(given, Coordinators) else Coordinators(given)
