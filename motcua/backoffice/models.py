"""What only the officers keep about a dossier: their internal notes to each other."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

NOTE_MAX_CHARS = 2000


class DossierNote(models.Model):
    """A note between officers on a dossier. Never shown to the applicant, nor in the citizen API:
    it lives here, in the back office's room, and no portal or API module reads it."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = models.TextField(_("nội dung"), max_length=NOTE_MAX_CHARS)
    # The form's (or an `Idempotency-Key` header's) key: a second post of the same form adds nothing.
    idempotency_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="backoffice_note_dossier_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"], condition=~models.Q(idempotency_key=""), name="backoffice_note_once",
            ),
        ]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.dossier_id}"
