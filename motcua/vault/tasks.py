from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from motcua.vault.models import Upload
from motcua.vault.upload_checks import discard

BATCH = 1000


def prune_uploads_now(now=None) -> int:
    """Delete the API uploads that nothing named within UPLOAD_KEEP_DAYS, with their files; how many.

    Row by row and only while still unused: a submission naming one at this moment either took it
    first (the row is kept) or finds it gone (its transaction fails as for an unknown upload)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.UPLOAD_KEEP_DAYS)
    deleted = 0
    for pk, path in Upload.objects.filter(used_in="", created_at__lt=cutoff).values_list("pk", "storage_name")[:BATCH]:
        if Upload.objects.filter(pk=pk, used_in="").delete()[0]:
            discard([{"path": path}])
            deleted += 1
    return deleted


@task()
def prune_uploads() -> int:
    """Forget the unused uploads past their keeping time (run periodically by `motcua scheduler`)."""
    return prune_uploads_now()
