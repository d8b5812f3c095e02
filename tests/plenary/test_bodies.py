"""No malformed body gets a 5xx, anywhere, and no control character gets into the record.

The API's endpoints come from ``plenary.api_urls`` (walked like
``tests/api/test_access_matrix.py``); the pages' from ``plenary.urls``.
Each is sent bodies that are too deep, not UTF-8, of the wrong shape or
type, or of the wrong content type; every answer must be a 4xx (or, for a
body that is merely odd but well-formed, anything but a 5xx) with a JSON body
on the API, and nothing may be written.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver
from rest_framework.test import APIClient

from comments.models import Attachment, Comment, CommentRevision, Flag
from comments.threads import services as comment_services
from plenary import api_urls, urls
from stakeholders.models import Organisation, Participant
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

SECTION = "1-purpose-2"
CONTROL = "Quiet\x01 \x1b[31mred"
# Field names our endpoints read, for bodies of the right shape but wrong types.
FIELDS = (
    "body section parent visibility on_behalf_of status rationale publish reason note action "
    "comment organisation display_name group country answers email password code name file"
).split()


def walk(patterns, prefix="") -> dict[str, str]:
    """``{name or route: route}`` of every URL pattern under ``patterns``."""
    found = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found |= walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            found[pattern.name or route] = route
    return found


API_ROUTES = walk(api_urls.urlpatterns)
# One value for each kind of path argument our routes take.
ARGUMENTS = {"old": "1", "new": "1", "pk": "1", "id": "1", "number": "1", "ordinal": "1"}


def fill(route: str, values: dict[str, str]) -> str | None:
    """``route`` with its ``<converter:name>`` arguments filled in, or None when one is unknown."""
    path = route
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        name = path[start + 1 : end].split(":")[-1]
        if name not in values:
            return None
        path = path[:start] + values[name] + path[end + 1 :]
    return "/" + path.lstrip("^").rstrip("$") if not path.startswith("/") else path


def deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


MALFORMED = {
    "nested-arrays": ("application/json", deep(5000)),
    "nested-objects": ("application/json", b'{"a":' * 3000 + b"1" + b"}" * 3000),
    "just-over-depth": ("application/json", deep(40)),
    "invalid-utf8": ("application/json", b'{"body": "\xff\xfe\xfd"}'),
    "truncated": ("application/json", b'{"body": '),
    "not-json": ("application/json", b"<xml/>"),
    "nan": ("application/json", b'{"body": NaN}'),
    "top-level-array": ("application/json", b'[{"body": "x"}]'),
    "top-level-number": ("application/json", b"42"),
    "top-level-null": ("application/json", b"null"),
    "top-level-string": ("application/json", b'"body"'),
    "control-character": ("application/json", json.dumps({"body": CONTROL}).encode()),
    "control-character-in-key": ("application/json", json.dumps({"bo\x00dy": "x"}).encode()),
    "text-plain": ("text/plain", b"body=hello"),
    "xml": ("application/xml", b"<body>hello</body>"),
    "broken-multipart": ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Dis\xff"),
    "multipart-no-boundary": ("multipart/form-data", b"garbage"),
    "form-invalid-utf8": ("application/x-www-form-urlencoded", b"body=%ff%fe&section=%c3"),
    "form-control-character": ("application/x-www-form-urlencoded", b"body=a%01b&section=x"),
}
# Well-formed JSON objects whose fields have the wrong type: refused or coerced, never a 5xx.
WRONG_TYPES = {
    kind: ("application/json", json.dumps(dict.fromkeys(FIELDS, value)).encode())
    for kind, value in {
        "arrays": [],
        "objects": {},
        "numbers": 1e308,
        "nulls": None,
        "booleans": True,
        "nested": [[{"a": [1]}]],
    }.items()
}


@pytest.fixture
def world(consultation, secretariat, stakeholder):
    if not Participant.objects.filter(user=secretariat).exists():
        ParticipantFactory(user=secretariat, display_name="Convenor")
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="A view."
    )
    return {
        "values": {**ARGUMENTS, "slug": consultation.slug, "receipt": comment.receipt},
        "users": [secretariat, stakeholder],
    }


def counts():
    return (
        Comment.objects.count(),
        CommentRevision.objects.count(),
        Flag.objects.count(),
        Organisation.objects.count(),
        list(Comment.objects.values_list("body", flat=True)),
        list(Participant.objects.values_list("display_name", flat=True)),
    )


# Endpoints that read no body: whatever is sent, they act (withdrawing a comment).
BODILESS = {"api-comment-withdraw"}


def api_paths(values, *, bodiless: bool = True) -> list[str]:
    paths = [
        fill("api/v1/" + route, values)
        for name, route in API_ROUTES.items()
        if bodiless or name not in BODILESS
    ]
    assert all(paths), "an API route takes an argument this test cannot fill: add it to ARGUMENTS"
    return [p for p in paths if p]


def test_every_api_route_is_walked(world):
    assert len(api_paths(world["values"])) == len(API_ROUTES) > 20
    assert BODILESS <= set(API_ROUTES)


def test_a_bodiless_endpoint_ignores_a_malformed_body(world, stakeholder):
    client = APIClient()
    client.force_login(stakeholder)
    response = client.post(
        f"/api/v1/comments/{world['values']['receipt']}/withdraw/",
        data=deep(5000),
        content_type="application/json",
    )
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch"])
@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_bodies_get_a_4xx_json_answer_on_every_api_endpoint(world, kind, method):
    content_type, body = MALFORMED[kind]
    failures = []
    for user in (None, *world["users"]):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        for path in api_paths(world["values"], bodiless=False):
            before = counts()
            response = getattr(client, method)(path, data=body, content_type=content_type)
            answer = f"{method.upper()} {path} {kind} as {user}: {response.status_code}"
            if not 400 <= response.status_code < 500:
                failures.append(f"{answer} {response.content[:200]!r}")
            elif not response["Content-Type"].startswith("application/json"):
                failures.append(f"{answer} not JSON: {response['Content-Type']}")
            else:
                response.json()  # parses
            if counts() != before:
                failures.append(f"{answer} changed the database")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("kind", sorted(WRONG_TYPES))
def test_wrong_types_never_get_a_5xx_on_any_api_endpoint(world, kind):
    content_type, body = WRONG_TYPES[kind]
    failures = []
    for user in world["users"]:
        client = APIClient()
        client.force_login(user)
        for path in api_paths(world["values"]):
            for method in ("post", "put", "patch"):
                response = getattr(client, method)(path, data=body, content_type=content_type)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {path} {kind}: {response.status_code}")
                elif response.status_code >= 400:
                    assert response["Content-Type"].startswith("application/json"), path
    assert not failures, "\n".join(failures)


def test_nested_brackets_are_400_not_a_recursion_error(db):
    """Finding 10: ~1,500 nested ``[`` were a 500 (RecursionError), unauthenticated."""
    response = APIClient().post(
        "/api/v1/auth/token/", data=deep(1500), content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_a_control_character_in_a_json_comment_is_refused_naming_the_field(world, stakeholder):
    client = APIClient()
    client.force_login(stakeholder)
    slug = Comment.objects.get().consultation.slug
    before = counts()
    response = client.post(
        f"/api/v1/consultations/{slug}/comments/",
        {"section": SECTION, "body": CONTROL},
        format="json",
    )
    assert response.status_code == 400
    assert "U+0001" in response.json()["body"][0]
    assert counts() == before


PAGE_ROUTES = walk(urls.urlpatterns)


def page_paths(values) -> list[str]:
    paths = []
    for route in PAGE_ROUTES.values():
        if route.startswith(("api/", "static/", "media/")):
            continue
        path = fill(route, values)
        if path is not None:
            paths.append(path)
    return paths


def test_every_page_post_with_a_control_character_is_refused_and_changes_nothing(world):
    """No form is forgotten: the guard is before every view, so every page refuses."""
    failures = []
    for user in world["users"]:
        client = Client()
        client.force_login(user)
        for path in page_paths(world["values"]):
            before = counts()
            fields = dict.fromkeys(FIELDS, "fine") | {"body": CONTROL, "name": CONTROL}
            response = client.post(path, fields)
            if response.status_code != 400 or "U+0001" not in response.content.decode():
                failures.append(f"POST {path}: {response.status_code}")
            if counts() != before:
                failures.append(f"POST {path} changed the database")
    assert not failures, "\n".join(failures)
    assert len(page_paths(world["values"])) > 30


def test_a_refused_comment_is_given_back_to_copy(world, stakeholder):
    """Nothing a participant wrote is lost: the 400 page shows the text, without the
    character it refused, ready to copy into the form again."""
    client = Client()
    client.force_login(stakeholder)
    path = f"/r/{world['values']['receipt']}/edit/"
    before = counts()
    written = "Three long paragraphs of careful argument\x1b about open licences."
    response = client.post(path, {"body": written})
    assert response.status_code == 400
    page = response.content.decode()
    assert "U+001B" in page
    assert "Three long paragraphs of careful argument about open licences." in page
    assert counts() == before


def test_an_uploaded_file_name_with_control_characters_is_cleaned(world, stakeholder):
    """Django's multipart parser drops what is not printable from a file's name
    (control characters and bidi controls alike): the name is cleaned, not refused."""
    client = Client()
    client.force_login(stakeholder)
    receipt = world["values"]["receipt"]
    upload = SimpleUploadedFile("report\x07\u202e.txt", b"hello", content_type="text/plain")
    response = client.post(f"/r/{receipt}/attachments/", {"attachments": upload})
    assert response.status_code == 302
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["report.txt"], (
        response.content[:300]
    )


def test_form_posts_with_invalid_utf8_get_no_5xx(world):
    failures = []
    for user in world["users"]:
        client = Client()
        client.force_login(user)
        for path in page_paths(world["values"]):
            for content_type, body in (
                ("application/x-www-form-urlencoded", b"body=%ff%fe&display_name=\xff\xfe"),
                ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Dis\xff"),
            ):
                response = client.generic("POST", path, body, content_type=content_type)
                if response.status_code >= 500:
                    failures.append(f"POST {path}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("field", ["rationale", "note", "reason", "appeal_text", "whatever_new"])
def test_the_door_checks_every_field_whatever_its_name(world, stakeholder, field):
    """The guard reads every posted field (and file name), not a list of names: a
    field added tomorrow is covered without being named anywhere."""
    client = Client()
    client.force_login(stakeholder)
    before = counts()
    response = client.post("/me/profile/", {field: "fine\x02text", "display_name": "Zawadi"})
    assert response.status_code == 400
    assert f"“{field}”" in response.content.decode() and "U+0002" in response.content.decode()
    assert counts() == before
