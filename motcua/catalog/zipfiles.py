"""Procedure files from a zip (a bulk import): each file's name and text, or why it was not read.

Bounded: at most MAX_FILES entries, each at most MAX_FILE_BYTES once uncompressed, MAX_TOTAL_BYTES in all
(a small zip that unpacks to gigabytes is refused, not unpacked). Nothing is written to disk: the names
inside the zip are only reported, never used as paths.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

MAX_FILES = 5000
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    name: str
    text: str | None  # None: not read, `error` says why
    error: str = ""


class NotAZip(ValueError):
    pass


def entries(source: str | IO[bytes]) -> list[Entry]:
    """The YAML files of the zip (by name, in the zip's order); other entries (directories, README) are left out."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotAZip(_("không phải tệp zip: %(detail)s") % {"detail": exc}) from exc
    found: list[Entry] = []
    total = 0
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and i.filename.lower().endswith((".yaml", ".yml"))]
        if len(infos) > MAX_FILES:
            raise NotAZip(_("quá nhiều tệp (%(count)d; nhiều nhất %(limit)d)") % {"count": len(infos), "limit": MAX_FILES})
        for info in infos:
            name = info.filename.replace("\x00", "")[-255:]
            if info.file_size > MAX_FILE_BYTES or total + info.file_size > MAX_TOTAL_BYTES:
                found.append(Entry(name, None, _("tệp quá lớn (nhiều nhất %(limit)d KB)") % {"limit": MAX_FILE_BYTES // 1024}))
                continue
            try:
                with archive.open(info) as f:
                    raw = f.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                found.append(Entry(name, None, _("không đọc được tệp: %(detail)s") % {"detail": exc}))
                continue
            if len(raw) > MAX_FILE_BYTES:
                found.append(Entry(name, None, _("tệp quá lớn (nhiều nhất %(limit)d KB)") % {"limit": MAX_FILE_BYTES // 1024}))
                continue
            total += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                found.append(Entry(name, None, _("tệp không phải UTF-8")))
                continue
            if "\x00" in text:
                found.append(Entry(name, None, _("tệp chứa ký tự NUL")))
                continue
            found.append(Entry(name, text))
    return found
