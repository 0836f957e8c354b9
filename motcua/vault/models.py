"""The citizen's vault (kho dữ liệu): documents kept for reuse, uploads waiting for a dossier, and who read what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    RESULT = "result", _("Kết quả giải quyết thủ tục")
    UPLOAD = "upload", _("Tệp công dân tải lên")
    ISSUED = "issued", _("Giấy tờ do cơ quan nhà nước cấp")


class VaultDocument(models.Model):
    """One document a citizen may reuse in a later dossier instead of uploading it again."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vault_documents")
    # A key of the catalog's document_types (catalog/*.yaml); "" for an upload no vault type was asked for.
    document_type = models.CharField(_("loại giấy tờ"), max_length=64, blank=True, default="")
    title = models.CharField(_("tên giấy tờ"), max_length=255)
    issuer = models.CharField(_("cơ quan cấp"), max_length=255, blank=True, default="")
    issued_on = models.DateField(_("ngày cấp"), null=True, blank=True)
    valid_until = models.DateField(_("có giá trị đến"), null=True, blank=True)
    storage_name = models.CharField(max_length=255)  # a name in the default storage
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=64, default="application/pdf")
    origin = models.CharField(max_length=8, choices=Origin.choices)
    source_dossier = models.CharField(max_length=48, blank=True, default="")  # a dossier code
    # What it came from (a result number, "<dossier>/<component>", a demo key): kept once per owner.
    reference = models.CharField(max_length=120, blank=True, default="")
    # The identity number of the person a result is held by, when it was kept here for them because they had
    # no account (a child, a person represented; a business's code never signs in): signing in with the
    # e-ID of that number hands them their own copy (store.hand_to_holder). "" for the owner's own documents.
    held_for = models.CharField(max_length=32, blank=True, default="", db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["owner", "-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "document_type"])]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "reference"], condition=~models.Q(reference=""), name="unique_vault_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.owner_id})"


class Kind(models.TextChoices):
    REGISTRY = "registry", _("Cơ sở dữ liệu")
    VAULT = "vault", _("Kho dữ liệu")


class AccessLog(models.Model):
    """One read of a citizen's registry record or vault document, shown to that citizen."""

    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_reads")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=255)  # kept as read, in case the actor's name changes
    kind = models.CharField(max_length=8, choices=Kind.choices)
    what = models.CharField(max_length=255)  # registry code or vault document title
    registry = models.CharField(max_length=32, blank=True, default="")
    document = models.ForeignKey(VaultDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    fields = models.JSONField(default=list)  # the registry attributes read
    dossier = models.CharField(max_length=48, blank=True, default="")  # a dossier code
    # The draft the read filled (its public id), until it is filed: then `dossier` names it too.
    draft = models.CharField(max_length=36, blank=True, default="")
    purpose = models.CharField(max_length=255, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["citizen", "-at", "-id"]
        indexes = [models.Index(fields=["citizen", "-at"])]


class Upload(models.Model):
    """A file sent through the API, checked by content, waiting to be named by a dossier component."""

    token = models.CharField(max_length=32, unique=True)
    # An account's upload, or (no account) one an anonymous petition filer sent under a contact verified by a
    # one-time code: the contact then owns it, for as long as a token of that contact lets them file.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True)
    contact = models.CharField(max_length=254, blank=True, default="")
    storage_name = models.CharField(max_length=255)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    used_in = models.CharField(max_length=48, blank=True, default="")  # the dossier (or petition) that took it

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner__isnull=False, contact="") | models.Q(owner__isnull=True) & ~models.Q(contact=""),
                name="upload_owner_xor_contact",
            ),
        ]
