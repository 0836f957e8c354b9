"""The public page's petitions: published ones, searchable, with no personal data.

Only these fields ever leave: code, kind, topic, the *public version* of the subject, body and
answer (what the officer published: redact.py proposes it with personal data written in the text
masked, and they may edit it), the unit, the dates and the counts of likes and dislikes — never the
filer, the contact, the officer, the dossier or the attachments. The search reads the public
version only, so a name masked there cannot be found by searching for it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from motcua.petitions.models import Petition, PetitionStatus


def search(q: str = "", topic: str | None = None) -> QuerySet[Petition]:
    qs = Petition.objects.filter(status=PetitionStatus.PUBLISHED).select_related("unit").order_by("-published_at", "-id")
    if topic:
        qs = qs.filter(topic=topic)
    for word in (q or "").replace("\x00", "").split()[:8]:
        qs = qs.filter(Q(public_subject__icontains=word) | Q(public_body__icontains=word)
                       | Q(public_answer__icontains=word) | Q(code__iexact=word))
    return qs


def row(p: Petition) -> dict:
    return {
        "code": p.code, "kind": p.kind, "topic": p.topic, "subject": p.public_subject, "body": p.public_body,
        "unit": p.unit.code, "unit_name": p.unit.display_name, "first_received_at": p.first_received_at,
        "answer": p.public_answer, "published_at": p.published_at, "likes": p.likes, "dislikes": p.dislikes,
    }
