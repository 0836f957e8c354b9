"""What one post supplies for a dossier's components: files and vault picks, checked before anything is stored.

The procedure form, the documents step of a draft and the answer to a supplement
request all take, per component, either a file or a document from the vault,
never both; this is the one place that says so. The files are stored only once
all is well, and removed again if what was to keep them fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from motcua.vault import upload_checks


def check_supplied(
    files: Mapping[str, UploadedFile], components: Iterable[Mapping], picks: Mapping[str, object]
) -> tuple[list[upload_checks.Checked], dict[str, str]]:
    """Every posted file checked, and a component both uploaded and picked refused: (good files, {key: error})."""
    checked, errors = upload_checks.check_all(files, components)
    for key in picks.keys() & {c.key for c in checked}:
        errors[key] = _("Hãy chọn một cách: tải tệp lên hoặc dùng giấy tờ trong kho dữ liệu, không cả hai.")
    return checked, errors


@contextmanager
def stored(checked: Iterable[upload_checks.Checked]) -> Iterator[list[dict]]:
    """Store the checked files for the block, which hands their records on; any failure in it removes them."""
    records = upload_checks.store(checked)
    try:
        yield records
    except BaseException:
        upload_checks.discard(records)
        raise
