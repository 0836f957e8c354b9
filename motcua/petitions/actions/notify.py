"""The mail a petition's filer receives for a step, in their language (sent through the outbox)."""

from __future__ import annotations

from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _

from motcua.identity.language import language_of
from motcua.petitions.models import Petition


def _address(p: Petition) -> str:
    if p.filer_id is not None and p.filer.email:
        return p.filer.email
    return p.contact if "@" in (p.contact or "") else ""


def _when(moment) -> str:
    return dateformat.format(timezone.localtime(moment), "H:i d/m/Y")


def _subjects() -> dict[str, str]:
    return {
        "file": _("Phản ánh, kiến nghị %(code)s đã được tiếp nhận"),
        "register": _("Phản ánh, kiến nghị %(code)s đã được tiếp nhận"),
        "refuse": _("Phản ánh, kiến nghị %(code)s không được xử lý"),
        "request_information": _("Phản ánh, kiến nghị %(code)s cần bổ sung thông tin"),
        "publish": _("Phản ánh, kiến nghị %(code)s đã có trả lời"),
        "forward": _("Phản ánh, kiến nghị %(code)s đã được chuyển đơn vị có thẩm quyền"),
    }


def mail_for(p: Petition, action: str, reason: str = "") -> dict | None:
    """{"to", "subject", "body"} for the filer, or None when the step concerns them by no mail."""
    to = _address(p)
    if action not in _subjects() or not to:
        return None
    language = language_of(p.filer) if p.filer_id is not None else settings.LANGUAGE_CODE
    with translation.override(language):
        lines = [_("Mã phản ánh, kiến nghị: %(code)s") % {"code": p.code}, _("Tiêu đề: %(subject)s") % {"subject": p.subject},
                 _("Trạng thái: %(status)s") % {"status": p.get_status_display()}]
        if action in ("file", "register", "forward"):
            lines.append(_("Hạn trả lời: %(when)s") % {"when": _when(p.due_at)})
        if reason:
            lines.append(_("Nội dung: %(text)s") % {"text": reason})
        if action == "publish":
            lines.append(_("Trả lời: %(text)s") % {"text": p.answer})
        return {"to": [to], "subject": _subjects()[action] % {"code": p.code}, "body": "\n".join(lines) + "\n"}
