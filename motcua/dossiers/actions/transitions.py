"""Running an action on a dossier (`perform`), and which actions an actor may take now."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any

from django.db import transaction
from django.db.models import JSONField
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.dossiers.access import not_found
from motcua.dossiers.actions import history, inputs
from motcua.dossiers.actions.context import Ctx, is_late
from motcua.dossiers.actions.inputs import ActionInput, Payload
from motcua.dossiers.actions.rules import RULES
from motcua.dossiers.facts import kept_bits, sources_mask
from motcua.dossiers.models import Dossier, Status, Task
from motcua.lib.compiled import Compiled, update
from motcua.lib.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.units.scope import Grants


def _state_allows(name: str, ctx: Ctx) -> bool:
    rule = RULES[name]
    if ctx.dossier.status not in rule.statuses or not rule.state(ctx):
        return False
    return not (rule.needs_apology_when_late and is_late(ctx))


def _allowed(ctx: Ctx) -> list[str]:
    """The actions the context's actor may take now: what the buttons offer and what a refusal lists."""
    return [name for name, rule in RULES.items() if _state_allows(name, ctx) and rule.can(ctx)]


def allowed_actions(
    dossier: Dossier, user, *, now: datetime | None = None, grants: Grants | None = None, tasks: list[Task] | None = None
) -> list[str]:
    """The actions this user may take on the dossier now.

    Pass `grants` when listing many dossiers, `tasks` (every task of the dossier) when already read.
    """
    return _allowed(Ctx(dossier, user, now or timezone.now(), grants, tasks))


# Every action reads its dossier so (compiled once per process, lib/compiled.py).
_FOR_UPDATE: Compiled[Dossier] = Compiled(
    lambda code: Dossier.objects.select_for_update(of=("self",)).select_related("unit", "procedure", "procedure_version")
    .filter(code=code).order_by("pk")[:1]
)


# The dossier's columns `perform` compares before and after the action, and those it always writes: a JSON
# value may have been changed in place (a handler's `dossier.data[...] = …`), which no comparison with the
# same object sees. The UPDATE names the columns that changed (a receive: 7 of 33) and the JSON ones; the
# row written is the one the full-row save wrote, the dossier being locked (FOR UPDATE) since it was read.
_JSON_COLUMNS = tuple(f.attname for f in Dossier._meta.local_concrete_fields if isinstance(f, JSONField))
_COMPARED = tuple(f.attname for f in Dossier._meta.local_concrete_fields
                  if not f.primary_key and f.attname not in _JSON_COLUMNS)
_compared = attrgetter(*_COMPARED)


def _changed_columns(dossier: Dossier, before: tuple) -> list[str]:
    """The columns to write: those whose value differs from `before` (`_compared(dossier)` once read), and the JSON ones."""
    return [*(name for name, old, new in zip(_COMPARED, before, _compared(dossier), strict=True) if old != new),
            *_JSON_COLUMNS]


def _load_for_update(code: str, actor, now: datetime, grants: Grants | None = None) -> Ctx:
    # `of=("self",)`: lock the dossier row only. A bare FOR UPDATE also locked the joined unit
    # and procedure-version rows on PostgreSQL, so every action on any dossier of the same
    # procedure (or unit) waited for the one in progress — a result's PDF rendering included.
    dossier = _FOR_UPDATE.first(code)
    ctx = Ctx(dossier, actor, now, grants) if dossier is not None else None
    if ctx is None or not ctx.sees():
        # Someone else's dossier looks exactly like one that does not exist.
        raise not_found(code)
    return ctx


def perform(
    code: str,
    action: str,
    actor,
    *,
    reason: str = "",
    payload: ActionInput | Payload | Mapping[str, Any] | None = None,
    grants: Grants | None = None,
) -> Dossier:
    """Run a named action (receive, transfer, …) on the dossier `code`, all or nothing.

    `payload`: what the action takes (its rule's `schema`, inputs.py): an instance of it, a mapping
    of its fields (validated, no other field allowed) or a `Payload` (the fields it declares are
    taken); validated once the actor's right and the dossier's state are checked, so an actor who
    may not act is told so whatever they sent. `reason`, when given, replaces the payload's.
    `grants`: the actor's, when the caller has them already (the API shows the dossier afterwards).
    """
    rule = RULES.get(action)
    if rule is None:
        raise NotFound(
            _("Không có thao tác “%(action)s”.") % {"action": action}, code="unknown_action", actions=sorted(RULES)
        )
    with transaction.atomic():
        ctx = _load_for_update(code, actor, timezone.now(), grants)
        dossier = ctx.dossier
        before = history.look_before(dossier)
        columns = _compared(dossier)

        def allowed() -> list[str]:
            # Only a refusal lists them: an action that goes ahead does not weigh every rule first.
            return _allowed(ctx)

        if dossier.status in rule.statuses and rule.needs_apology_when_late and is_late(ctx):
            raise Conflict(
                _("Hồ sơ đã quá hạn: cần lập phiếu xin lỗi và hẹn lại ngày trả kết quả trước."),
                code="apology_required", status=dossier.status, allowed=allowed(),
            )
        if not _state_allows(action, ctx):
            if rule.refusal is not None:
                message, code = rule.refusal(ctx)
                raise Conflict(message, code=code, status=dossier.status, allowed=allowed())
            raise Conflict(
                _("Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s”.")
                % {"action": action, "status": Status(dossier.status).label},
                status=dossier.status, allowed=allowed(),
            )
        if not rule.can(ctx):
            raise Forbidden(_("Bạn không có quyền “%(action)s” hồ sơ này.") % {"action": action}, allowed=allowed())
        given = inputs.read(rule.schema, payload)
        stripped = (reason or given.reason or "").strip()
        if stripped != given.reason:
            given = given.model_copy(update={"reason": stripped})
        if rule.needs_reason and not given.reason:
            raise Invalid(_("Cần ghi rõ lý do."), code="reason_required")
        from_status = dossier.status
        new_status, extra = rule.apply(ctx, given)
        if new_status is not None:
            dossier.status = new_status
        dossier.deadline_state = ctx.deadline_state()
        dossier.updated_at = ctx.now
        dossier.component_sources = sources_mask(dossier.components) | kept_bits(dossier.component_sources)
        # The columns the action changed (and the JSON ones), as save() writes them: the UPDATE compiled
        # once per set of columns (lib/compiled.py).
        update(dossier, _changed_columns(dossier, columns))
        history.write_history(
            dossier, action, from_status, actor, ctx.now, reason=given.reason, data=extra, before=before
        )
    # The tasks as the action left them (every change of a task goes through ctx.tasks): what the
    # caller shows next needs not read them back.
    if ctx._tasks is not None:
        known = getattr(dossier, "_prefetched_objects_cache", {})
        dossier._prefetched_objects_cache = {**known, "tasks": ctx._tasks}
    return dossier
