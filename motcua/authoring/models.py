"""Drafts of procedures written by a catalogue editor, and what publication records about a version.

A draft holds a procedure in the catalogue format (the same data a YAML file holds, as JSON). It is
saved with optimistic concurrency (`revision`), submitted for review, then published by an approver
(a new catalog.ProcedureVersion, through catalog/loader.py) or sent back with comments.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DraftStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Chờ phê duyệt")
    RETURNED = "returned", _("Trả lại để sửa")
    PUBLISHED = "published", _("Đã công bố")


class ProcedureDraft(models.Model):
    public_id = models.UUIDField(unique=True, editable=False)
    # The unit whose catalogue the procedure belongs to: its editors and approvers (and theirs above) act on it.
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="procedure_drafts")
    code = models.CharField(max_length=64, blank=True, default="", db_index=True)  # the definition's, when it has one
    definition = models.JSONField()
    # The version the draft was started from (a new version of a published procedure), or None (a new procedure).
    base = models.ForeignKey("catalog.ProcedureVersion", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    revision = models.PositiveIntegerField(default=1)  # bumped by every save: the ETag / If-Match
    status = models.CharField(max_length=16, choices=DraftStatus.choices, default=DraftStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    comments = models.TextField(blank=True, default="")  # the approver's, when sent back
    published = models.ForeignKey("catalog.ProcedureVersion", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["unit", "status", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.code or '?'} draft {self.public_id}"


class VersionRecord(models.Model):
    """What published a version: the decision that announced it, its effective date, the draft and the approver.

    Versions loaded from files have none (the decision is in their `legal_basis`)."""

    version = models.OneToOneField("catalog.ProcedureVersion", on_delete=models.PROTECT, related_name="record")
    effective_from = models.DateField()
    decision_number = models.CharField(max_length=64, blank=True, default="")
    decision_date = models.DateField(null=True, blank=True)
    decision_issuer = models.CharField(max_length=255, blank=True, default="")
    draft = models.ForeignKey(ProcedureDraft, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Made the procedure's current version (on its effective date: authoring.publication.apply_due).
    applied = models.BooleanField(default=False)
    created_at = models.DateTimeField()


class Abolition(models.Model):
    """A procedure abolished from a date: no new dossiers from that day; dossiers in progress continue."""

    procedure = models.OneToOneField("catalog.Procedure", on_delete=models.PROTECT, related_name="abolition")
    effective_from = models.DateField()
    decision_number = models.CharField(max_length=64, blank=True, default="")
    decision_date = models.DateField(null=True, blank=True)
    decision_issuer = models.CharField(max_length=255, blank=True, default="")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied = models.BooleanField(default=False)
    created_at = models.DateTimeField()
