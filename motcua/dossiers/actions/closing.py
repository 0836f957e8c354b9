"""The end of a dossier's way: the result issued and returned, and the applicant's rating."""

from __future__ import annotations

from django.utils.translation import gettext as _

from motcua.dossiers import rating, workflow
from motcua.dossiers.actions.context import Ctx
from motcua.dossiers.actions.inputs import ActionInput, RatingInput
from motcua.dossiers.models import Rating, Status
from motcua.results.issue import issue_result as issue_result_document


def issue_result(ctx: Ctx, p: ActionInput) -> tuple[int, dict]:
    result = issue_result_document(ctx.dossier, ctx.user, ctx.now)
    ctx.dossier.finished_at = ctx.now
    return Status.PROCESSED, {"result": result.number, "sha256": result.sha256}


def return_result(ctx: Ctx, p: ActionInput) -> tuple[int, dict]:
    steps = []
    for task in ctx.open_tasks:
        if task.is_end:
            workflow.complete(task, ctx.user, ctx.now, ctx.tasks)
            steps.append(task.step)
    ctx.dossier.returned_at = ctx.now
    return Status.RETURNED, {"steps": steps}


def rated(ctx: Ctx) -> bool:
    return Rating.objects.filter(dossier=ctx.dossier).exists()


def rate(ctx: Ctx, p: RatingInput) -> tuple[None, dict]:
    # Rating changes no status: it is recorded (one per dossier) with its event and audit entry.
    given = p.rating.model_dump() if p.rating is not None else {}
    answers, comment = rating.clean(given.get("answers"), given.get("comment"))
    Rating.objects.create(
        dossier=ctx.dossier, applicant=ctx.user, answers=answers, overall=answers["overall"], comment=comment,
        rated_at=ctx.now,
    )
    ctx.dossier.disliked = answers["overall"] not in rating.SATISFIED  # a fact the 5.4 counter reads
    return None, {"overall": answers["overall"], "answers": answers}


def rate_refusal(ctx: Ctx) -> tuple[str, str]:
    if ctx.dossier.status == Status.RETURNED:
        return _("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần."), "already_rated"
    return _("Chỉ đánh giá được sau khi hồ sơ đã trả kết quả."), "not_returned"
