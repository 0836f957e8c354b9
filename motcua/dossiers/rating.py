"""The satisfaction rating (đánh giá mức độ hài lòng) an applicant gives a returned dossier.

Vietnam's practice (Decree 61/2018/NĐ-CP art. 33, Circular 01/2018/TT-VPCP; the
rating form of the national public service portal) asks about a few criteria and
offers three levels for each: very satisfied, satisfied, dissatisfied. The
Decision 766 index counts a rating as satisfied when its overall level is one
of the first two. Every criterion is answered; a comment is optional.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.lib.errors import Invalid

# Levels, best first; the code is stored, the label shown.
LEVELS: dict[str, object] = {
    "very_satisfied": gettext_lazy("Rất hài lòng"),
    "satisfied": gettext_lazy("Hài lòng"),
    "dissatisfied": gettext_lazy("Không hài lòng"),
}
SATISFIED = frozenset({"very_satisfied", "satisfied"})
# Criteria, in the order the form asks them; "overall" is the headline figure.
CRITERIA: dict[str, object] = {
    "overall": gettext_lazy("Mức độ hài lòng chung về việc giải quyết hồ sơ"),
    "time": gettext_lazy("Thời gian giải quyết so với thời hạn đã hẹn"),
    "ease": gettext_lazy("Sự thuận tiện khi nộp hồ sơ và theo dõi trực tuyến"),
    "staff": gettext_lazy("Thái độ, tinh thần trách nhiệm của cán bộ, công chức"),
    "result": gettext_lazy("Kết quả giải quyết đúng quy định, đầy đủ, chính xác"),
}
COMMENT_MAX = 1000


def clean(answers: Mapping | None, comment: str | None) -> tuple[dict[str, str], str]:
    """The answers and comment if complete and known; otherwise Invalid naming the criteria at fault."""
    answers = answers if isinstance(answers, Mapping) else {}
    bad = {
        key: _("Hãy chọn một mức đánh giá cho “%(criterion)s”.") % {"criterion": label}
        for key, label in CRITERIA.items()
        if answers.get(key) not in LEVELS
    }
    unknown = sorted(str(k) for k in answers if k not in CRITERIA)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        bad["comment"] = _("Ý kiến tối đa %(max)s ký tự.") % {"max": COMMENT_MAX}
    if bad or unknown:
        raise Invalid(
            _("Phiếu đánh giá chưa hợp lệ."), code="invalid_rating",
            errors=[{"field": k, "message": m} for k, m in bad.items()], unknown=unknown,
            criteria=list(CRITERIA), levels=list(LEVELS),
        )
    return {key: str(answers[key]) for key in CRITERIA}, comment


def level_label(level: str) -> str:
    return str(LEVELS.get(level, level))


def criterion_label(key: str) -> str:
    return str(CRITERIA.get(key, key))
