"""The language of the papers an agency issues, and how they write dates and money.

Results, receipts, counter slips, apology letters and e-receipts are official documents of the
installation: written in its language (the first of the catalog's `country.languages`: Vietnamese
in Viet Nam, Bengali in the Bangladesh pack), whatever the language of whoever asks for them.
Their texts go through gettext (vi, en, bn shipped); these helpers write a date, a time and an
amount as that language does. Call them inside `translation.override(document_language())`.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from motcua.catalog import vocab
from motcua.catalog.display import format_date
from motcua.catalog.models import localized


def document_language() -> str:
    """The language of the documents an agency issues: the installation's (the country's first), not the reader's."""
    return settings.LANGUAGE_CODE[:2]


def paper_date(value: datetime | None) -> str:
    """A day as the document's language writes it (05/12/2026; 5 ডিসেম্বর 2026; 5 Dec 2026), in local time."""
    if value is None:
        return ""
    return format_date(timezone.localtime(value).date() if timezone.is_aware(value) else value)


def paper_moment(value: datetime | None) -> str:
    """A time and its day, as the legal forms write it ("10 giờ 05 phút, ngày 05/12/2026")."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return _("%(h)s giờ %(i)s phút, ngày %(day)s") % {
        "h": f"{local.hour:02d}", "i": f"{local.minute:02d}", "day": paper_date(local),
    }


def paper_place_date(place: str, value: datetime | None) -> str:
    """The place and date above a signature ("Xã An Bình, ngày 05 tháng 12 năm 2026")."""
    if value is None:
        return place
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return _("%(place)s, ngày %(d)s tháng %(m)s năm %(y)s") % {
        "place": place, "d": f"{local.day:02d}", "m": f"{local.month:02d}", "y": f"{local.year:04d}",
    }


def paper_money(amount: int) -> str:
    """An amount in the country's currency as the document's language writes it ("15.000 đồng",
    "25 টাকা"); zero is written as an amount, not as "free": a receipt line says what was paid."""
    grouped = f"{int(amount):,}".replace(",", get_format("THOUSAND_SEPARATOR"))
    written = localized(vocab.current().currency.get("format")) or "%(amount)s"
    return written % {"amount": grouped}

