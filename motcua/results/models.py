"""Result documents issued for dossiers."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Result(models.Model):
    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.PROTECT, related_name="result")
    number = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to="results/%Y/%m/")
    # Indexed: the public check page (/verify/) finds a result by the digest of the file it is shown.
    sha256 = models.CharField(max_length=64, db_index=True)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Revoked by the issuing agency (revocation.py): /verify/ then says so, when and why. The file is kept.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return self.number
