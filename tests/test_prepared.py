"""plenary.prepared: a queryset compiled once answers what the ORM answers, or
refuses to be prepared where keeping its SQL would be wrong."""

import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from comments import permissions as comment_permissions
from consult.consultations import selectors as consult_selectors
from consult.models import Consultation, Round
from plenary import authentication
from plenary.prepared import Prepared
from stakeholders.models import User

pytestmark = pytest.mark.django_db

TOKENS = Prepared(
    lambda key: Token.objects.select_related("user__participant__group").filter(key=key),
    key=str,
)
ROUNDS = Prepared(
    lambda consultation_id, number: (
        Round.objects.filter(consultation_id=consultation_id, number__gte=number)
        .select_related("document_version")
        .annotate(n_questions=Count("questions"))
        .order_by("-number")
    ),
    consultation_id=int,
    number=int,
)


def _once(prepared: Prepared, **values) -> list:
    with CaptureQueriesContext(connection) as queries:
        found = prepared.run(**values)
    assert len(queries) == 1, [q["sql"] for q in queries]
    return found


def test_model_instances_with_their_related_objects_as_the_orm_builds_them(stakeholder):
    token = Token.objects.create(user=stakeholder)
    stored = Token.objects.get(key=token.key)
    (found,) = _once(TOKENS, key=token.key)
    with CaptureQueriesContext(connection) as queries:
        assert found.user == stakeholder and found.user.email == stakeholder.email
        assert found.user.participant.display_name == stakeholder.participant.display_name
        assert found.user.participant.group == stakeholder.participant.group
        assert found.created == stored.created  # a converted datetime
    assert len(queries) == 0  # select_related came with it
    assert not found._state.adding and found._state.db == "default"
    assert TOKENS.is_prepared()


def test_values_annotations_ordering_and_no_rows(consultation):
    for number in (7, 8):
        Round.objects.create(
            consultation=consultation,
            number=number,
            opens_at=timezone.now(),
            closes_at=timezone.now() + timezone.timedelta(days=number),
        )
    orm = list(ROUNDS.build(consultation_id=consultation.pk, number=7))
    found = _once(ROUNDS, consultation_id=consultation.pk, number=7)
    assert [(r.pk, r.number, r.n_questions, r.closes_at) for r in found] == [
        (r.pk, r.number, r.n_questions, r.closes_at) for r in orm
    ]
    assert [r.number for r in found] == [8, 7]
    assert _once(ROUNDS, consultation_id=consultation.pk, number=9) == []

    values = Prepared(
        lambda slug: Consultation.objects.filter(slug=slug).values(
            "title", has_rounds=Exists(Round.objects.filter(consultation=OuterRef("pk")))
        ),
        slug=str,
    )
    assert _once(values, slug=consultation.slug) == [
        {"title": consultation.title, "has_rounds": True}
    ]


def test_values_are_parameters_never_sql(consultation):
    by_slug = Prepared(lambda slug: Consultation.objects.filter(slug=slug), slug=str)
    for hostile in ("x' OR '1'='1", "%", "_", "\\", consultation.slug.upper(), ""):
        assert by_slug.run(slug=hostile) == []
    assert by_slug.run(slug=consultation.slug) == [consultation]


def test_a_value_of_another_type_or_none_is_refused(consultation):
    with pytest.raises(TypeError, match="number must be int"):
        ROUNDS.run(consultation_id=consultation.pk, number=None)
    with pytest.raises(TypeError, match="number must be int"):
        ROUNDS.run(consultation_id=consultation.pk, number=True)
    with pytest.raises(TypeError, match="number must be int"):
        ROUNDS.run(consultation_id=consultation.pk, number="2")
    with pytest.raises(TypeError, match="takes"):
        ROUNDS.run(consultation_id=consultation.pk)


def test_a_value_the_query_computes_itself_is_refused(consultation):
    frozen_clock = Prepared(
        lambda consultation_id: Round.objects.filter(
            consultation_id=consultation_id, opens_at__lte=timezone.now()
        ),
        consultation_id=int,
    )
    with pytest.raises(ImproperlyConfigured, match="make it a parameter"):
        frozen_clock.run(consultation_id=consultation.pk)


def test_a_parameter_that_does_not_reach_the_sql_is_refused(consultation):
    ignored = Prepared(
        lambda consultation_id, number: Round.objects.filter(consultation_id=consultation_id),
        consultation_id=int,
        number=int,
    )
    with pytest.raises(ImproperlyConfigured, match="does not reach the SQL"):
        ignored.run(consultation_id=consultation.pk, number=1)


def test_sql_that_depends_on_a_value_is_refused(consultation):
    shaped = Prepared(
        lambda slug: (
            Consultation.objects.filter(slug=slug)
            if slug.startswith("pRe")
            else Consultation.objects.filter(title=slug)
        ),
        slug=str,
    )
    with pytest.raises(ImproperlyConfigured, match="depends on a value"):
        shaped.run(slug=consultation.slug)


def test_a_lookup_that_changes_its_value_runs_through_the_orm(consultation):
    containing = Prepared(lambda part: Consultation.objects.filter(title__contains=part), part=str)
    part = consultation.title[2:8]
    assert containing.run(part=part) == [consultation]
    assert containing.run(part="100%_\\") == []
    assert not containing.is_prepared()


def test_what_it_cannot_answer_is_refused():
    with pytest.raises(ImproperlyConfigured, match="prefetch"):
        Prepared(
            lambda slug: Consultation.objects.filter(slug=slug).prefetch_related("rounds"),
            slug=str,
        ).run(slug="a")
    with pytest.raises(ImproperlyConfigured, match="values"):
        Prepared(
            lambda slug: Consultation.objects.filter(slug=slug).values_list("pk"), slug=str
        ).run(slug="a")
    with pytest.raises(ImproperlyConfigured, match="int or str"):
        Prepared(lambda when: Round.objects.filter(opens_at=when), when=object)


@pytest.mark.django_db(transaction=True)  # another thread's connection sees committed rows
def test_each_thread_compiles_its_own_and_gets_the_same_answer(consultation):
    by_slug = Prepared(lambda slug: Consultation.objects.filter(slug=slug), slug=str)
    assert by_slug.run(slug=consultation.slug) == [consultation]
    answers = []

    def other_thread():
        try:
            answers.append(by_slug.run(slug=consultation.slug))
            answers.append(set(by_slug._local.compiled))
        finally:
            connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert answers == [[consultation], {"default"}]
    assert by_slug.run(slug="no such consultation") == []


def test_the_comment_posts_reads_are_prepared_on_this_database():
    """Every read of the comment POST runs from kept SQL; the standing's
    ``email__iexact`` does too on PostgreSQL, where the value is not escaped
    (SQLite escapes LIKE patterns, so there it runs through the ORM)."""
    for prepared in (
        authentication._TOKENS,
        consult_selectors._BY_SLUG,
        consult_selectors._ROUNDS,
        consult_selectors._SECTION_IN_VERSION,
    ):
        assert prepared.is_prepared(), prepared
    assert comment_permissions._STANDING.is_prepared() == (connection.vendor == "postgresql")


def test_standing_matches_an_address_in_another_case_and_not_a_pattern(stakeholder, consultation):
    """The prepared standing keeps ``iexact``'s meaning: case-insensitive, and
    ``_`` or ``%`` in an address are characters, not wildcards."""
    user = User.objects.get(pk=stakeholder.pk)
    assert comment_permissions.standing_of(user, consultation).verified_email
    user.email = user.email.upper()
    assert comment_permissions.standing_of(user, consultation).verified_email
    local, domain = stakeholder.email.split("@")
    user.email = "_" + local[1:] + "@" + domain  # LIKE would match the real one
    assert not comment_permissions.standing_of(user, consultation).verified_email
    user.email = "%@" + domain
    assert not comment_permissions.standing_of(user, consultation).verified_email
