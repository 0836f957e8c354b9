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

    def __str__(self) -> str:
        return self.number
