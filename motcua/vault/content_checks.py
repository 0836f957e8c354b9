"""What is inside an uploaded file: no active content, no hidden payload, no virus.

`upload_checks.check` knows a file's kind by its first bytes; this module looks
further, because a PDF may carry JavaScript or whole files, and a JPEG may carry
a PHP script after its last byte:
- PDF: refused when it holds JavaScript, embedded files, launch actions, rich
  media or XFA forms. Every object is read with pypdf (also those packed in
  compressed object streams); names written with `#xx` escapes are decoded. A
  file pypdf cannot read is still searched byte by byte for those names.
- JPEG, PNG: walked segment by segment (chunk by chunk) to their end marker;
  anything after it is refused, and so is an image of more than
  UPLOAD_MAX_PIXELS pixels (a "decompression bomb"), checked before decoding, or
  one Pillow cannot decode.
- every file: scanned by clamd when CLAMD_ADDRESS is set (vault/clamav.py).

Each refusal is an `UploadRefused` (a ValueError) with a code and a message in the user's language.
"""

from __future__ import annotations

import io
import re
import struct

from django.conf import settings
from django.utils.translation import gettext as _

from motcua.vault import clamav

# PDF names that run something or carry other files (ISO 32000-2: 12.6 actions, 7.11.4 embedded files).
ACTIVE_NAMES = frozenset({
    "JavaScript", "JS", "EmbeddedFiles", "EmbeddedFile", "Launch", "RichMedia", "XFA", "GoToE", "ImportData",
    "SubmitForm",
})
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]{1,127})")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
MAX_PDF_OBJECTS = 200_000


class UploadRefused(ValueError):
    def __init__(self, message: str, code: str, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def _names_in_bytes(data: bytes) -> set[str]:
    return {_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), m.group(1)).decode("latin-1") for m in _NAME.finditer(data)}


def _names_in_objects(data: bytes) -> set[str] | None:
    """Every name used as a key or a value in the PDF's objects; None when pypdf cannot read the file."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
        numbers |= {(num, 0) for num in reader.xref_objStm}
        if len(numbers) > MAX_PDF_OBJECTS:
            return None
        names: set[str] = set()
        for num, gen in numbers:
            obj = reader.get_object(IndirectObject(num, gen, reader))
            stack = [obj]
            while stack:
                item = stack.pop()
                if isinstance(item, DictionaryObject):
                    for key, value in item.items():
                        names.add(str(key)[1:])
                        if not isinstance(value, IndirectObject):
                            stack.append(value)
                elif isinstance(item, ArrayObject):
                    stack.extend(v for v in item if not isinstance(v, IndirectObject))
                elif isinstance(item, NameObject):
                    names.add(str(item)[1:])
        return names
    except Exception:  # any failure to parse: the byte search still applies
        return None


def check_pdf(data: bytes, name: str) -> None:
    names = _names_in_bytes(data)
    parsed = _names_in_objects(data)
    if parsed is not None:
        names |= parsed
    found = sorted(names & ACTIVE_NAMES)
    if found:
        raise UploadRefused(
            _("Tệp “%(name)s” chứa nội dung chủ động hoặc tệp đính kèm (%(what)s); hãy gửi bản PDF thường "
              "(ví dụ in lại ra PDF).") % {"name": name, "what": ", ".join(found)},
            code="upload_active_content",
        )


def _jpeg_end(data: bytes) -> int | None:
    """Where a JPEG's EOI marker ends, walking its segments and scans; None when the structure is broken."""
    i = 2  # after SOI
    n = len(data)
    while i + 2 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:
            return i + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        if i + 4 > n:
            return None
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        i += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            while i + 1 < n:
                if data[i] == 0xFF and data[i + 1] not in (0x00, *range(0xD0, 0xD8), 0xFF):
                    break
                i += 1
    return None


def _png_end(data: bytes) -> int | None:
    i = 8
    n = len(data)
    while i + 12 <= n:
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        i += 12 + length
        if kind == b"IEND":
            return i
    return None


def check_image(data: bytes, kind: str, name: str) -> None:
    from PIL import Image

    broken = UploadRefused(_("Tệp ảnh “%(name)s” bị hỏng hoặc không đọc được.") % {"name": name}, code="upload_broken")
    end = _jpeg_end(data) if kind == "jpg" else _png_end(data)
    if end is None:
        raise broken
    if data[end:].strip(b"\x00\r\n\t ") != b"":
        raise UploadRefused(
            _("Tệp ảnh “%(name)s” có dữ liệu lạ sau phần ảnh; hãy chụp hoặc lưu lại ảnh rồi gửi.") % {"name": name},
            code="upload_trailing_data",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > settings.UPLOAD_MAX_PIXELS:
                raise UploadRefused(
                    _("Ảnh “%(name)s” quá lớn (%(w)s × %(h)s điểm ảnh).") % {"name": name, "w": width, "h": height},
                    code="upload_too_many_pixels",
                )
            image.load()  # decodes every pixel: a truncated or malformed image fails here
    except UploadRefused:
        raise
    except Exception:  # Pillow raises many kinds (OSError, SyntaxError, DecompressionBombError…)
        raise broken from None


def scan(data: bytes, name: str) -> None:
    if not clamav.configured():
        return  # the embedded default: warned about at start-up (vault.W001)
    try:
        found = clamav.scan([data])
    except clamav.ScannerUnavailable:
        raise UploadRefused(
            _("Không kiểm tra được virus cho tệp “%(name)s” lúc này; hãy thử lại sau ít phút.") % {"name": name},
            code="scanner_unavailable", status=503,
        ) from None
    if found:
        raise UploadRefused(
            _("Tệp “%(name)s” chứa mã độc (%(signature)s) và không được nhận.") % {"name": name, "signature": found},
            code="upload_infected",
        )


def inspect(data: bytes, kind: str, name: str) -> None:
    """Refuse (UploadRefused) a file of `kind` whose content is unsafe; the virus scan last."""
    if kind == "pdf":
        check_pdf(data, name)
    elif kind in ("jpg", "png"):
        check_image(data, kind, name)
    scan(data, name)
