"""Bulk actions: one action on several dossiers, each through `actions.perform`, answered per code.

Each dossier is its own transaction (`perform`'s): one refusal does not undo the others,
and what was done is reported beside what was refused and why. A code the actor may not
see is refused exactly like one that does not exist (`dossier_not_found`), so a bulk
request never tells whether a dossier of another unit exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, Status
from motcua.lib.errors import ActionError
from motcua.units.scope import Grants

# The actions a bulk request may take: the day's repetitive moves (receive at the counter, take
# steps, hand them out, return results). "return" is the officers' short word for return_result.
BULK_ACTIONS = ("receive", "claim", "assign", "return_result")
ALIASES = {"return": "return_result"}
MAX_CODES = 100


@dataclass
class Outcome:
    code: str
    ok: bool
    status: int | None = None  # the dossier's status after the action (done), or now (refused, if visible)
    error: str = ""  # the refusal's machine-readable code
    message: str = ""  # the refusal in the actor's language
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "ok": self.ok, "status": self.status}
        if self.status is not None:
            out["status_label"] = str(Status(self.status).label)
        if not self.ok:
            out["error"] = self.error
            out["message"] = self.message
            if "allowed" in self.extra:
                out["allowed"] = list(self.extra["allowed"])
        return out


def action_name(raw: str) -> str | None:
    name = ALIASES.get(raw, raw)
    return name if name in BULK_ACTIONS else None


def unique_codes(codes: list[str]) -> list[str]:
    """The codes in the order given, each once (a code twice would be refused the second time)."""
    seen: dict[str, None] = {}
    for code in codes:
        seen.setdefault(code.strip(), None)
    return [c for c in seen if c]


def perform_many(
    action: str, codes: list[str], actor, payload: Any = None, *, grants: Grants | None = None,
    seen: Mapping[str, int] | None = None,
) -> list[Outcome]:
    """`action` on each code; `seen`: the status each dossier had on the page the officer acted from.

    A dossier that has moved on since that page (its status differs) and whose action is refused
    gets the conflict in words with its current status, not only the rule that refused it.
    """
    outcomes = []
    for code in unique_codes(codes):
        try:
            done = actions.perform(code, action, actor, payload=payload, grants=grants)
        except ActionError as exc:
            outcomes.append(_refused(code, exc, seen))
        else:
            outcomes.append(Outcome(code, True, done.status))
    return outcomes


def _refused(code: str, exc: ActionError, seen: Mapping[str, int] | None) -> Outcome:
    if exc.status == 404:
        return Outcome(code, False, None, exc.code, exc.message)
    current = Dossier.objects.filter(code=code).values_list("status", flat=True).first()
    message = exc.message
    before = (seen or {}).get(code)
    if exc.status == 409 and before is not None and current is not None and before != current:
        message = moved_on_message(code, before, current, exc.message)
        return Outcome(code, False, current, "stale", message, dict(exc.extra))
    return Outcome(code, False, current, exc.code, message, dict(exc.extra))


def moved_on_message(code: str, before: int, current: int, reason: str) -> str:
    """The conflict of a stale page: what it showed, what the dossier is now, and why the action was refused."""
    return _(
        "Hồ sơ %(code)s đã thay đổi kể từ khi bạn mở trang: trang hiển thị “%(before)s”, hiện nay là “%(now)s”. "
        "%(reason)s"
    ) % {"code": code, "before": Status(before).label, "now": Status(current).label, "reason": reason}
