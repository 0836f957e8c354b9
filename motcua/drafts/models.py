"""What is kept for a citizen between visits: drafts of applications."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Draft(models.Model):
    """A half-filled application, kept on the server so it can be resumed later, on any device.

    It belongs to one citizen (never to a browser session). `components` holds the
    records of files already checked and stored for it, in the same form a dossier
    keeps them, so submitting hands them over without copying.
    """

    public_id = models.UUIDField(unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.CASCADE, related_name="drafts")
    procedure_version = models.ForeignKey("catalog.ProcedureVersion", on_delete=models.CASCADE, related_name="drafts")
    data = models.JSONField(default=dict)
    components = models.JSONField(default=list)
    unit_code = models.CharField(max_length=48, blank=True, default="")
    step = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        # The table the portal app created before drafts had a room of their own (moved without copying).
        db_table = "portal_draft"
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return str(self.public_id)

