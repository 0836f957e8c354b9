"""The finance page: a day's payments and refunds of the officer's units (their subtree), the gateway notices
that were refused, and what the reconciliation against the gateway finds (payments/reconcile.py)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from motcua.backoffice.views import staff_required
from motcua.payments.models import Notice, Payment
from motcua.payments.reconcile import day_bounds, reconcile
from motcua.units.models import Unit
from motcua.units.scope import paths_of, request_grants, units_under

MAX_ROWS = 500


@require_safe
@staff_required
def finance(request: HttpRequest) -> HttpResponse:
    error = ""
    try:
        day = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else timezone.localdate()
    except ValueError:
        day, error = timezone.localdate(), _("Ngày không hợp lệ; hãy nhập theo dạng NNNN-TT-NN.")
    start, end = day_bounds(day)
    paths = paths_of(request_grants(request))
    unit_ids = list(units_under(paths).values_list("pk", flat=True))
    payments = (Payment.objects.select_related("dossier").filter(dossier__unit_id__in=unit_ids)
                .filter(updated_at__gte=start, updated_at__lt=end).order_by("id")[:MAX_ROWS])
    refused = (Notice.objects.filter(received_at__gte=start, received_at__lt=end).exclude(answer__in=("00", "02"))
               .filter(payment__dossier__unit_id__in=unit_ids).order_by("-id")[:MAX_ROWS])
    # Notices naming no known order belong to no unit: only whoever serves the root of the tree sees them.
    unknown = (Notice.objects.filter(received_at__gte=start, received_at__lt=end, payment__isnull=True)
               .exclude(answer__in=("00", "02")).order_by("-id")[:MAX_ROWS]
               if Unit.objects.filter(path__in=paths, parent__isnull=True).exists() else [])
    # One gateway call per payment, inside this request: at most MAX_ROWS of them (the command checks all).
    mismatches = reconcile(day, unit_ids, limit=MAX_ROWS) if request.GET.get("check") else None
    return render(request, "backoffice/finance.html", {
        "day": day, "error": error, "payments": payments, "refused": [*refused, *unknown], "mismatches": mismatches,
    }, status=400 if error else 200)
