"""The public page's petitions: published ones, searchable, with no personal data.

Only these fields ever leave: code, kind, topic, subject, body, the unit, the dates, the answer
and the counts of likes and dislikes — never the filer, the contact, the officer, the dossier or
the attachments. Personal data written inside the text itself (the filer's name, a phone number, an e-mail
address, a 12-digit personal ID) is masked before it is shown; names of other people written
in the text are not recognised (a known limit: moderation of the text is still to come).
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from motcua.petitions.models import Petition, PetitionStatus

_MASKS = (
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"(?<!\d)(\+?\d[\d .-]{7,14}\d)(?!\d)"),  # phone numbers, personal IDs (9–16 digits)
)


def mask(text: str, names: tuple[str, ...] = ()) -> str:
    """The text with e-mail addresses, phone and ID numbers, and the given names (the filer's) masked."""
    for name in names:
        if name and len(name) > 2:
            text = re.sub(re.escape(name), "***", text, flags=re.IGNORECASE)
    for pattern in _MASKS:
        text = pattern.sub("***", text)
    return text


def search(q: str = "", topic: str | None = None) -> QuerySet[Petition]:
    qs = Petition.objects.filter(status=PetitionStatus.PUBLISHED).select_related("unit").order_by("-published_at", "-id")
    if topic:
        qs = qs.filter(topic=topic)
    for word in (q or "").replace("\x00", "").split()[:8]:
        qs = qs.filter(Q(subject__icontains=word) | Q(body__icontains=word) | Q(answer__icontains=word)
                       | Q(code__iexact=word))
    return qs


def row(p: Petition) -> dict:
    # The filer's name as recorded at filing (contact_name) is masked wherever the text repeats it.
    names = (p.contact_name.strip(),)
    return {
        "code": p.code, "kind": p.kind, "topic": p.topic, "subject": mask(p.subject, names),
        "body": mask(p.body, names), "unit": p.unit.code, "unit_name": p.unit.display_name,
        "first_received_at": p.first_received_at, "answer": mask(p.answer, names), "published_at": p.published_at,
        "likes": p.likes, "dislikes": p.dislikes,
    }
