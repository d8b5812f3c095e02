"""Plenary's URLs plus the two baselines the load benchmark measures beside it.

* /bench/bare/        the cheapest Django view: no database, a few bytes;
* /bench/raw-insert/  one single-row INSERT with a raw cursor, no ORM, no
  validation, no permission check: the floor under any comment POST.
"""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
def raw_insert(request):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_raw_insert (body, created_at) VALUES (%s, now()) RETURNING id",
            [request.body.decode()[:10_000]],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/raw-insert/", raw_insert),
    path("", include("plenary.urls")),
]
