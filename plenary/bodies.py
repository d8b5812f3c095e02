"""Request bodies that cannot crash a view or carry control characters into the record.

Two doors, one rule (``plenary.text.control_character``):

- ``JSONParser``, DRF's parser for every API view (``REST_FRAMEWORK``
  ``DEFAULT_PARSER_CLASSES``): a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``
  is 413, one that is not UTF-8 or not JSON is 400, one nested deeper than
  ``PLENARY_API_MAX_JSON_DEPTH`` is 400 (Python's parser would otherwise raise
  RecursionError, a 500, at about a thousand ``[``), and a string anywhere in
  it (a key or a value) carrying a control character is 400 naming the field.
  Every answer is the API's JSON error format.
- ``TextGuardMiddleware``, for form posts (pages, the admin, and the API's
  form and multipart bodies): a field or an uploaded file's name carrying a
  control character is refused before any view runs, with a page (or JSON
  under ``/api/``) that says which field and which character; nothing is
  written.  Because the check sits at the door, no form or serializer can
  forget it; ``tests/plenary/test_bodies.py`` walks every route to prove it.

Text written before the door existed, or brought in by other means (a staff
CSV import), is made safe where it leaves: ``plenary.text.xml_safe`` in the
DOCX, ODT and PDF writers.
"""

import io
import json
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status

from plenary.text import CONTROL_CHARACTERS, control_character, control_character_message

API_PREFIX = "/api/"


class RequestTooLarge(exceptions.APIException):
    """413; always raised with a translated detail that names the limit."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def first_control_character(data, max_depth: int) -> tuple[str, str] | None:
    """``(field path, character)`` of the first string in ``data`` carrying a control
    character, or None.  Walks without recursion; raises ``ParseError`` past
    ``max_depth`` levels of nesting.  The path is the top-level key (``body``),
    with the keys and indexes below it (``answers.3``)."""
    stack: list[tuple[str, object, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > max_depth:
            raise exceptions.ParseError(
                _("The JSON body is nested more than %(depth)d levels deep.") % {"depth": max_depth}
            )
        if isinstance(value, str):
            character = control_character(value)
            if character is not None:
                return path or "non_field_errors", character
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                character = control_character(key)
                if character is not None:
                    return child, character
                stack.append((child, item, depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (f"{path}.{i}" if path else str(i), item, depth + 1) for i, item in enumerate(value)
            )
    return None


def refuse_constant(name: str):
    """NaN and Infinity are not JSON (DRF's STRICT_JSON)."""
    raise ValueError(f"{name} is not valid JSON")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, bounded in size and depth, refusing control characters.

    Every malformed body is a 4xx with a JSON body (see the module docstring).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(
                _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            )
        try:
            text = raw.decode((parser_context or {}).get("encoding", settings.DEFAULT_CHARSET))
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(_("The request body is not valid UTF-8.")) from exc
        try:
            data = json.loads(text, parse_constant=refuse_constant if self.strict else None)
        except RecursionError as exc:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from exc
        except ValueError as exc:
            raise exceptions.ParseError(
                _("The request body is not valid JSON: %(error)s") % {"error": exc}
            ) from exc
        found = first_control_character(data, settings.PLENARY_API_MAX_JSON_DEPTH)
        if found is not None:
            field, character = found
            raise exceptions.ValidationError({field: [control_character_message(character)]})
        return data


def form_control_character(fields, files) -> tuple[str, str] | None:
    """``(field, character)`` of the first form field (a QueryDict) or uploaded file's
    name (a MultiValueDict) carrying a control character, or None."""
    for field, values in fields.lists():
        for value in (field, *values):
            character = control_character(value)
            if character is not None:
                return field, character
    for field, uploads in files.lists():
        for upload in uploads:
            character = control_character(upload.name or "")
            if character is not None:
                return field, character
    return None


def is_utf8_form(raw: bytes) -> bool:
    """Whether an ``application/x-www-form-urlencoded`` body decodes as UTF-8.

    Django reads invalid bytes as U+FFFD, which would store "��" for what the
    client meant; refusing says what is wrong instead.
    """
    try:
        parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def refuse_form(data, files=None):
    """Raise the API's 400 if a parsed form carries a control character."""
    found = form_control_character(data, files if files is not None else MultiValueDict())
    if found is not None:
        field, character = found
        raise exceptions.ValidationError({field: [control_character_message(character)]})


class FormParser(parsers.FormParser):
    """DRF's form parser, refusing invalid UTF-8 and control characters (PUT and
    PATCH: ``TextGuardMiddleware`` sees only POST)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        if not is_utf8_form(raw):
            raise exceptions.ParseError(_("The form data is not valid UTF-8."))
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        refuse_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing control characters in fields and file names."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        refuse_form(result.data, result.files)
        return result


class TextGuardMiddleware:
    """Refuse a form post carrying a control character, before any view runs (module docstring)."""

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.method == "POST" and request.content_type in self.FORM_TYPES:
            if request.content_type == self.FORM_TYPES[0] and not is_utf8_form(request.body):
                return self.refuse(request, None, _("The form data is not valid UTF-8."))
            try:
                found = form_control_character(request.POST, request.FILES)
            except MultiPartParserError:
                return self.refuse(request, None, _("The form data could not be read."))
            if found is not None:
                field, character = found
                return self.refuse(request, field, control_character_message(character))
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, field: str | None, message: str):
        if request.path.startswith(API_PREFIX):
            return JsonResponse({field or "non_field_errors": [message]}, status=400)
        # Nothing a participant wrote is lost: the page gives the text back, without
        # the characters it refused, to copy into the form again.
        sent = request.POST.get(field, "") if field else ""
        context = {"field": field, "message": message, "text": CONTROL_CHARACTERS.sub("", sent)}
        return render(request, "400_text.html", context, status=400)
