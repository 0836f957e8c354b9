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


class ResultDocument(models.Model):
    """A document of a dossier's result issued by another step (`result.parts`): its own PDF, signed
    by the unit that did the step with that unit's certificate and naming the officer who did it.

    The death bundle ends with the commune's death extract (the `Result`), the police's notice of
    deletion of permanent residence and the social affairs office's funeral allowance decision: three
    files, three signatures, three documents in the vault, each of its own type (issue 21).
    """

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="documents")
    number = models.CharField(max_length=64, unique=True)
    step = models.CharField(max_length=64)
    document_type = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="results/%Y/%m/")
    # Indexed like the result's: /verify/ finds a document by the digest of the file it is shown.
    sha256 = models.CharField(max_length=64, db_index=True)
    issued_at = models.DateTimeField()
    # The officer who did the step; none for an outside agency's answer recorded without an actor.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number

    @property
    def dossier(self):
        return self.result.dossier

    @property
    def revoked_at(self):
        # Revoking a dossier's result revokes every document issued with it.
        return self.result.revoked_at

    @property
    def revocation_reason(self) -> str:
        return self.result.revocation_reason
