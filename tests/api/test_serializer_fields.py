"""plenary.serializers.FieldsBuiltOnce: fields read from the model once per class,
each serializer still with its own bound copies."""

import threading

import pytest
from rest_framework import serializers

from comments.threads.serializers import CommentDetailSerializer, CommentSerializer


class PlainCommentSerializer(CommentSerializer):
    """The same serializer, with DRF building its fields each time."""

    def get_fields(self):
        return serializers.ModelSerializer.get_fields(self)


def _described(serializer) -> dict:
    """Each field's class and its DRF settings, as the schema and validation see them."""
    return {
        name: (type(field), field.read_only, field.required, field.allow_null, field.source)
        for name, field in serializer.fields.items()
    }


def test_the_fields_are_those_drf_builds_and_never_shared():
    first, second = CommentSerializer(), CommentSerializer()
    assert _described(first) == _described(second)
    for name in first.fields:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    assert _described(first) == _described(PlainCommentSerializer())


def test_a_subclass_keeps_its_own_set():
    assert CommentSerializer().fields  # the parent's set is built first
    detail = CommentDetailSerializer()
    assert set(detail.fields) - set(CommentSerializer().fields) == {"history", "appeals"}
    assert (
        CommentDetailSerializer.__dict__["_fields_built_once"]
        is not (CommentSerializer.__dict__["_fields_built_once"])
    )


@pytest.mark.django_db
def test_concurrent_serializers_answer_for_their_own_request(consultation, stakeholder, rf):
    """Bound fields are per instance, so a thread serialising for one reader never
    uses another's context (the private text would leak through ``parent``)."""
    from django.contrib.auth.models import AnonymousUser

    from comments.threads.services import comment_create

    private = comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Only mine.",
        visibility="private",
        accept_code_of_conduct=True,
    )
    as_author, as_anonymous = rf.get("/"), rf.get("/")
    as_author.user, as_anonymous.user = stakeholder, AnonymousUser()
    bodies = {}

    def serialise(name, request):
        for _ in range(200):
            data = CommentSerializer(private, context={"request": request}).data
            bodies.setdefault(name, set()).add(data["body"])

    threads = [
        threading.Thread(target=serialise, args=("author", as_author)),
        threading.Thread(target=serialise, args=("anonymous", as_anonymous)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert bodies == {"author": {"Only mine."}, "anonymous": {None}}
