"""Double coding: the measures on a hand-computed sample, drawing and coding a sample,
who may see what and when, bad input refused, and the figures on the pages."""

import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from sklearn.metrics import cohen_kappa_score, f1_score

from consult.consultations import services as consult_services
from consult.models import Role
from feedback.agreement import measures, selectors, services
from feedback.models import Coding, CodingLabel, CodingSample
from feedback.themes import services as themes
from tests.feedback.themes.test_themes import comment_on
from tests.stakeholders.factories import ParticipantFactory

# --- the measures, by hand ---------------------------------------------------------------
#
# Ten comments; theme "Encryption" present (1) or absent (0):
#   coder A: 1 1 1 1 0 0 0 0 0 0      (4 present)
#   coder B: 1 1 1 0 1 0 0 0 0 0      (4 present)
# They agree on items 1-3 (present) and 6-10 (absent): p_o = 8/10 = 0.8.
# p_A = p_B = 0.4, so p_e = 0.4*0.4 + 0.6*0.6 = 0.16 + 0.36 = 0.52.
# kappa = (0.8 - 0.52) / (1 - 0.52) = 0.28 / 0.48 = 0.58333...
A = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
B = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]
# Suggested:   1 0 1 1 1 1 0 0 0 0
# Truth = items where A and B agree: 1,2,3 (present) and 6..10 (absent); 4 and 5 are left out.
# On those 8 items the suggester says 1 0 1 | 1 0 0 0 0:
#   tp = 2 (items 1, 3), fn = 1 (item 2), fp = 1 (item 6)
#   precision = 2/3, recall = 2/3, F1 = 2*2 / (2*2 + 1 + 1) = 4/6 = 0.6667
SUGGESTED = [1, 0, 1, 1, 1, 1, 0, 0, 0, 0]


def test_kappa_matches_the_hand_computation_and_scikit_learn():
    assert measures.cohen_kappa(A, B) == pytest.approx(0.28 / 0.48)
    assert measures.cohen_kappa(A, B) == pytest.approx(cohen_kappa_score(A, B))


def test_kappa_is_undefined_when_chance_explains_everything():
    assert measures.cohen_kappa([0, 0, 0], [0, 0, 0]) is None
    assert measures.cohen_kappa([], []) is None
    assert measures.cohen_kappa([1, 0], [0, 1]) == pytest.approx(-1.0)


def test_f1_on_agreed_items_matches_the_hand_computation():
    agreed = [i for i in range(10) if A[i] == B[i]]
    s = measures.scores([A[i] for i in agreed], [SUGGESTED[i] for i in agreed])
    assert (s.tp, s.fp, s.fn) == (2, 1, 1)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(4 / 6)
    assert s.f1 == pytest.approx(f1_score([A[i] for i in agreed], [SUGGESTED[i] for i in agreed]))


def test_micro_sums_counts_and_macro_averages_f1():
    # theme 1: tp 2 fp 1 fn 1 (F1 2/3); theme 2: tp 1 fp 0 fn 3 (F1 2/5)
    # micro: tp 3 fp 1 fn 4 -> F1 = 6 / (6 + 1 + 4) = 6/11; macro = (2/3 + 2/5) / 2 = 8/15
    per = [measures.Scores(2, 1, 1), measures.Scores(1, 0, 3)]
    assert measures.micro(per).f1 == pytest.approx(6 / 11)
    assert measures.macro_f1(per) == pytest.approx(8 / 15)


# --- drawing and coding a sample -------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(consultation, secretariat):
    user = ParticipantFactory(display_name="Analyst", user__email="analyst@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.ANALYST
    )
    return user


@pytest.fixture
def ten(consultation, stakeholder):
    texts = [
        "Keep end-to-end encryption.",
        "No backdoors in encryption.",
        "Encryption protects journalists.",
        "Encryption and logs both matter.",
        "Delete the logs after a year.",
        "Logs kept too long.",
        "Publish the budget.",
        "Fund rural broadband.",
        "Captions on videos.",
        "Plain language please.",
    ]
    return [comment_on(consultation, stakeholder, t) for t in texts]


@pytest.fixture
def encryption(consultation, secretariat):
    return themes.theme_create(actor=secretariat, consultation=consultation, name="Encryption")


def draw(consultation, secretariat, analyst, size=10, seed=7):
    return services.coding_sample_draw(
        actor=secretariat,
        consultation=consultation,
        size=size,
        coders=[secretariat, analyst],
        seed=seed,
    )


def coding_of(sample, user):
    return Coding.objects.get(sample=sample, coder=user)


def code(sample, user, theme, flags, comments, *, finish=True):
    return services.coding_save(
        actor=user,
        coding=coding_of(sample, user),
        themes={c.pk: [theme] if f else [] for c, f in zip(comments, flags, strict=True)},
        finish=finish,
    )


def test_sample_draw_is_seeded_and_stored(consultation, secretariat, analyst, ten):
    sample = draw(consultation, secretariat, analyst, size=4, seed=7)
    expected = random.Random(7).sample(sorted(c.pk for c in ten), 4)
    assert sorted(sample.comments.values_list("pk", flat=True)) == sorted(expected)
    assert (sample.size, sample.seed) == (4, 7)
    assert {c.coder for c in sample.codings.all()} == {secretariat, analyst}


def test_agreement_on_the_hand_computed_sample(consultation, secretariat, analyst, ten, encryption):
    sample = draw(consultation, secretariat, analyst)
    code(sample, secretariat, encryption, A, ten)
    assert selectors.sample_agreement(sample=sample) is None  # one coder still working
    code(sample, analyst, encryption, B, ten)
    suggested = Coding.objects.create(sample=sample, coder=None)
    suggested.finished_at = suggested.sample.created_at
    suggested.save()
    CodingLabel.objects.bulk_create(
        CodingLabel(coding=suggested, comment=c, theme=encryption)
        for c, f in zip(ten, SUGGESTED, strict=True)
        if f
    )
    agreement = selectors.sample_agreement(sample=sample)
    (row,) = agreement.themes
    assert row.kappa == pytest.approx(0.28 / 0.48)
    assert row.coders_agree == 8
    assert row.suggested.f1 == pytest.approx(4 / 6)
    assert agreement.suggested_micro.f1 == pytest.approx(4 / 6)


def test_the_suggester_codes_the_sample_once_both_finished(
    consultation, secretariat, analyst, ten, encryption, django_capture_on_commit_callbacks
):
    sample = draw(consultation, secretariat, analyst)
    code(sample, secretariat, encryption, A, ten)
    with django_capture_on_commit_callbacks(execute=True):
        code(sample, analyst, encryption, B, ten)
    services.coding_suggest(sample_id=sample.pk)  # the job, as the worker runs it
    machine = Coding.objects.get(sample=sample, coder__isnull=True)
    assert machine.finished_at is not None
    labelled = set(CodingLabel.objects.filter(coding=machine).values_list("comment_id", flat=True))
    # the comments that say "encryption" are found; the budget and captions are not
    assert {ten[0].pk, ten[1].pk, ten[2].pk} <= labelled
    assert not {ten[6].pk, ten[8].pk} & labelled
    assert selectors.sample_agreement(sample=sample).suggested_micro is not None


def test_stakeholder_cannot_draw_a_sample(consultation, secretariat, analyst, stakeholder, ten):
    with pytest.raises(PermissionDenied):
        services.coding_sample_draw(
            actor=stakeholder, consultation=consultation, size=2, coders=[secretariat, analyst]
        )
    assert not CodingSample.objects.exists()


@pytest.mark.parametrize(
    ("size", "coders", "seed", "field"),
    [
        (0, "both", None, "size"),
        (1, "both", None, "size"),
        (11, "both", None, "size"),
        (201, "both", None, "size"),
        (2, "same", None, "coders"),
        (2, "outsider", None, "coders"),
        (2, "both", -1, "seed"),
    ],
)
def test_bad_sample_is_refused_and_nothing_written(
    consultation, secretariat, analyst, stakeholder, ten, size, coders, seed, field
):
    people = {
        "both": [secretariat, analyst],
        "same": [secretariat, secretariat],
        "outsider": [secretariat, stakeholder],
    }[coders]
    with pytest.raises(ValidationError) as refused:
        services.coding_sample_draw(
            actor=secretariat, consultation=consultation, size=size, coders=people, seed=seed
        )
    assert field in refused.value.message_dict
    assert not CodingSample.objects.exists()


def test_only_the_named_coder_codes(consultation, secretariat, analyst, ten, encryption):
    sample = draw(consultation, secretariat, analyst)
    with pytest.raises(PermissionDenied):
        services.coding_save(
            actor=analyst, coding=coding_of(sample, secretariat), themes={ten[0].pk: [encryption]}
        )
    assert not CodingLabel.objects.exists()


def test_bad_coding_is_refused_and_nothing_written(
    consultation, secretariat, analyst, ten, encryption, other_secretariat
):
    sample = draw(consultation, secretariat, analyst, size=2)
    outside = next(c for c in ten if not sample.comments.filter(pk=c.pk).exists())
    mine = coding_of(sample, secretariat)
    with pytest.raises(ValidationError) as refused:
        services.coding_save(actor=secretariat, coding=mine, themes={outside.pk: [encryption]})
    assert "themes" in refused.value.message_dict
    elsewhere = consult_services.consultation_create(
        actor=other_secretariat, title="Elsewhere", summary="x"
    )
    foreign = themes.theme_create(actor=other_secretariat, consultation=elsewhere, name="Other")
    inside = sample.comments.first()
    with pytest.raises(ValidationError):
        services.coding_save(actor=secretariat, coding=mine, themes={inside.pk: [foreign]})
    services.coding_save(actor=secretariat, coding=mine, themes={inside.pk: []}, finish=True)
    with pytest.raises(ValidationError) as refused:
        services.coding_save(actor=secretariat, coding=mine, themes={inside.pk: [encryption]})
    assert "coding" in refused.value.message_dict
    assert not CodingLabel.objects.exists()


# --- the pages -------------------------------------------------------------------------------


def test_coders_do_not_see_each_other_before_both_finish(
    client, consultation, secretariat, analyst, ten, encryption
):
    sample = draw(consultation, secretariat, analyst)
    code(sample, secretariat, encryption, A, ten)
    url = reverse("staff_coding_sample", args=[consultation.slug, sample.pk])
    client.force_login(analyst)
    page = client.get(url).content.decode()
    assert "Coding by secretariat" not in page and "Your coding" in page
    assert "Agreement" not in page
    # the analyst codes through the page (no JavaScript): ticks and "Save and finish"
    data = {f"comment_{c.pk}": [str(encryption.pk)] for c, f in zip(ten, B, strict=True) if f}
    response = client.post(url, {**data, "finish": "1"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Kappa between coders" in page and "0.58" in page
    assert f"Coding by {secretariat.email}" in page


def test_stakeholder_cannot_open_the_coding_pages(
    client, consultation, stakeholder, secretariat, analyst, ten
):
    sample = draw(consultation, secretariat, analyst)
    client.force_login(stakeholder)
    assert client.get(reverse("staff_coding_samples", args=[consultation.slug])).status_code == 403
    url = reverse("staff_coding_sample", args=[consultation.slug, sample.pk])
    assert client.post(url, {"finish": "1"}).status_code == 403
    assert Coding.objects.filter(finished_at__isnull=False).count() == 0


def test_draw_through_the_page(client, consultation, secretariat, analyst, ten):
    client.force_login(secretariat)
    url = reverse("staff_coding_samples", args=[consultation.slug])
    bad = client.post(url, {"size": "500", "coders": [secretariat.pk, analyst.pk]})
    assert bad.status_code == 200 and not CodingSample.objects.exists()
    response = client.post(url, {"size": "3", "coders": [secretariat.pk, analyst.pk], "seed": "5"})
    assert response.status_code == 302
    assert CodingSample.objects.get().seed == 5
