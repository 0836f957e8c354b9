"""Documents the applicant uploads for a dossier's components: checked by content, then stored.

A file is what its first bytes say it is, whatever its name or the browser
claim: a PDF starts with `%PDF-`, a PNG with its 8-byte signature, a JPEG with
`FF D8 FF`. Each component's `sources: [{upload: {types, max_mb}}]` says which
kinds and how large (PDF, JPEG or PNG up to 10 MB when it says nothing). A file
whose name claims another kind than its content is refused as well: the
officer opening "giay-chung-sinh.pdf" must find a PDF.

Past the first bytes, content_checks looks inside: JavaScript or attachments in
a PDF, data after an image's end, too many pixels, and viruses (clamd). A stored
file is named by a random directory and a slug of its name, never by the name
as given (STORED_PATH).

Every file of a request is checked before any is stored, and the caller
removes the stored ones again if the action then fails, so a refused request
leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from motcua.vault import content_checks
from motcua.vault.content_checks import UploadRefused

# Signatures of the kinds a component may accept.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
# File name endings that name a kind; a name ending otherwise (or not at all) claims nothing.
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpg": "jpg", "jpeg": "jpg"}
KIND_NAMES = {"pdf": "PDF", "png": "PNG", "jpg": "JPEG"}
DEFAULT_TYPES = ("pdf", "jpg", "png")
DEFAULT_MAX_MB = 10.0
# Stored paths: dossiers/<yyyy>/<mm>/<32 hex>/<safe name>; nothing else is ever served back.
STORED_PATH = re.compile(r"^dossiers/\d{4}/\d{2}/[0-9a-f]{32}/[A-Za-z0-9._-]{1,120}$")
FIELD_PREFIX = "component-"


@dataclass(frozen=True)
class UploadRule:
    types: tuple[str, ...]
    max_mb: float

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)

    @property
    def accept(self) -> str:
        """The `accept` attribute of the file input: a hint for the file chooser, never trusted."""
        extensions = [f".{e}" for e, kind in EXTENSIONS.items() if kind in self.types]
        return ",".join([*extensions, *sorted({CONTENT_TYPES[t] for t in self.types})])

    def describe(self) -> str:
        kinds = ", ".join(KIND_NAMES.get(t, t.upper()) for t in self.types)
        return _("Tệp %(kinds)s, tối đa %(size)s MB.") % {"kinds": kinds, "size": f"{self.max_mb:g}"}


def upload_source(component: Mapping) -> Mapping | None:
    """The component's `upload` source, or None when it cannot be uploaded."""
    for source in component.get("sources", []) or []:
        if isinstance(source, Mapping) and "upload" in source:
            return source["upload"] if isinstance(source["upload"], Mapping) else {}
    return None


def rule_for(component: Mapping) -> UploadRule:
    source = upload_source(component) or {}
    types = tuple(t for t in source.get("types", DEFAULT_TYPES) if t in MAGIC) or DEFAULT_TYPES
    max_mb = source.get("max_mb", DEFAULT_MAX_MB)
    try:
        max_mb = float(max_mb)
    except (TypeError, ValueError):
        max_mb = DEFAULT_MAX_MB
    return UploadRule(types, max_mb if max_mb > 0 else DEFAULT_MAX_MB)


def sniff(head: bytes) -> str | None:
    """The kind the first bytes of a file show, or None."""
    for kind, signatures in MAGIC.items():
        if any(head.startswith(s) for s in signatures):
            return kind
    return None


def _head(file: UploadedFile, size: int = 16) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head


def check(file: UploadedFile, rule: UploadRule) -> str:
    """The file's kind if it is acceptable; otherwise ValueError with the reason, in the user's language."""
    if file.size is not None and file.size > rule.max_bytes:
        raise ValueError(
            _("Tệp “%(name)s” quá lớn (%(size)s MB); tối đa %(max)s MB.")
            % {"name": file.name, "size": f"{file.size / 1024 / 1024:.1f}", "max": f"{rule.max_mb:g}"}
        )
    if not file.size:
        raise ValueError(_("Tệp “%(name)s” rỗng.") % {"name": file.name})
    kind = sniff(_head(file))
    allowed = ", ".join(KIND_NAMES[t] for t in rule.types)
    if kind is None:
        raise ValueError(
            _("Nội dung tệp “%(name)s” không phải là %(kinds)s.") % {"name": file.name, "kinds": allowed}
        )
    suffix = PurePath(file.name or "").suffix.lower().lstrip(".")
    claimed = EXTENSIONS.get(suffix)
    if suffix and claimed is None:
        # "anh.php", "trang.html": whatever the bytes, a name that another program would run or render.
        raise UploadRefused(
            _("Tên tệp “%(name)s” có đuôi không được nhận; chỉ nhận %(kinds)s (.pdf, .jpg, .jpeg, .png).")
            % {"name": file.name, "kinds": allowed},
            code="upload_wrong_extension", status=415,
        )
    if claimed is not None and claimed != kind:
        raise ValueError(
            _("Tên tệp “%(name)s” không khớp với nội dung: tệp thực chất là %(kind)s.")
            % {"name": file.name, "kind": KIND_NAMES[kind]}
        )
    if kind not in rule.types:
        raise ValueError(
            _("Tệp “%(name)s” là %(kind)s; thành phần này chỉ nhận %(kinds)s.")
            % {"name": file.name, "kind": KIND_NAMES[kind], "kinds": allowed}
        )
    # Past the first bytes: active content, hidden payloads, viruses (vault/content_checks.py).
    file.seek(0)
    data = file.read()
    file.seek(0)
    content_checks.inspect(data, kind, file.name or "")
    return kind


def safe_name(name: str, kind: str) -> str:
    """ASCII letters, digits and dashes, with the extension of the content: "Giấy chứng sinh.PDF" → "giay-chung-sinh.pdf"."""
    stem = slugify(PurePath(name or "").stem.replace("đ", "d").replace("Đ", "D"))[:100].strip("-_.")
    return f"{stem or 'tep'}.{kind}"


@dataclass
class Checked:
    key: str
    file: UploadedFile
    kind: str


def check_all(files: Mapping[str, UploadedFile], components: Iterable[Mapping]) -> tuple[list[Checked], dict[str, str]]:
    """Check every posted `component-<key>` file: (the good ones, {key: error message})."""
    good: list[Checked] = []
    errors: dict[str, str] = {}
    for component in components:
        key = component["key"]
        file = files.get(FIELD_PREFIX + key)
        if file is None:
            continue
        try:
            good.append(Checked(key, file, check(file, rule_for(component))))
        except ValueError as exc:
            errors[key] = str(exc)
    return good, errors


def store(checked: Iterable[Checked]) -> list[dict]:
    """Save the files under dossiers/<yyyy>/<mm>/<random>/<safe name>; their component records."""
    records = []
    now = timezone.localtime()
    try:
        for item in checked:
            digest = hashlib.sha256()
            for chunk in item.file.chunks():
                digest.update(chunk)
            item.file.seek(0)
            target = f"dossiers/{now:%Y}/{now:%m}/{secrets.token_hex(16)}/{safe_name(item.file.name, item.kind)}"
            path = default_storage.save(target, item.file)
            records.append(
                {
                    "key": item.key, "source": "upload", "name": PurePath(item.file.name or "").name[:200],
                    "size": item.file.size, "sha256": digest.hexdigest(), "content_type": CONTENT_TYPES[item.kind],
                    "path": path,
                }
            )
    except BaseException:
        discard(records)
        raise
    return records


def discard(records: Iterable[Mapping]) -> None:
    """Remove stored files again (the action that was to keep them failed)."""
    for record in records:
        path = record.get("path")
        if isinstance(path, str) and STORED_PATH.match(path):
            default_storage.delete(path)


def stored_file(record: Mapping):
    """Open an uploaded component's file, or None if the record names no file we stored."""
    path = record.get("path")
    # An upload, or a paper component scanned at the counter (its record carries the stored file the same way).
    if record.get("source") not in ("upload", "paper") or not isinstance(path, str) or not STORED_PATH.match(path):
        return None
    if not default_storage.exists(path):
        return None
    return default_storage.open(path, "rb")
