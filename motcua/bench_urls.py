"""The benchmark's URL configuration: the whole site plus the ceiling view.

Chosen only when MOTCUA_BENCH=true (settings.ROOT_URLCONF); `make bench` sets it
for its own gunicorn. The ceiling is what a bare Django view costs on this
machine: the same middleware, one JSON body parsed, one row inserted in the
same database, one JSON answer. `bench/run.py` creates its table. The same-work ceiling
(motcua/bench_same_work.py) writes, in hand-written SQL, the rows a submit and a receive write.
"""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from motcua import bench_same_work
from motcua.urls import urlpatterns as site

CEILING_TABLE = "bench_ceiling"


@csrf_exempt
@require_POST
def ceiling(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body or b"{}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CEILING_TABLE} (at, payload) VALUES (now(), %s) RETURNING id",  # noqa: S608 - constant name
            [json.dumps(body)],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [
    path("bench/ceiling", ceiling),
    path("bench/same-work/submit", bench_same_work.submit),
    path("bench/same-work/receive/<str:code>", bench_same_work.receive),
    *site,
]
