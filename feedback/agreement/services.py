"""Double coding: draw a sample, code it twice, let the suggester code it too.

Services (the only door for writes).  Who: the consultation's team as for themes
(``feedback.permissions.require_can_manage_themes``); a coding is written only by its
coder (``require_can_code``).  Each coder's coding is hidden from the other until
both finished (``feedback.permissions.coding_visible``); a finished coding is final.
The suggester's coding (``coder`` null) is written by the job
``feedback.tasks.code_sample`` once both people finished, with the themes as they
are then, so its figures compare like with like.
"""

import random
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment
from consult.models import Consultation
from feedback.models import Coding, CodingLabel, CodingSample, Theme, ThemeTag
from feedback.permissions import can_manage_themes, require_can_code, require_can_manage_themes
from plenary.outbox.services import enqueue

SAMPLE_MIN = 2
SAMPLE_MAX = 200
SEED_MAX = 2**31 - 1


def eligible_comment_ids(*, consultation: Consultation) -> list[int]:
    """What a sample is drawn from: comments not withdrawn, by id (a stable order)."""
    return list(
        Comment.objects.filter(consultation=consultation, withdrawn_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def coding_sample_draw(
    *, actor, consultation: Consultation, size: int, coders: Iterable, seed: int | None = None
) -> CodingSample:
    """Draw ``size`` comments at random (seeded, stored) for the two ``coders`` to code."""
    require_can_manage_themes(actor, consultation)
    coders = list(dict.fromkeys(coders))
    errors = {}
    if len(coders) != 2:
        errors["coders"] = _("Choose two different people to code the sample.")
    elif not all(can_manage_themes(c, consultation) for c in coders):
        errors["coders"] = _("Both coders must be on this consultation's team.")
    available = eligible_comment_ids(consultation=consultation)
    if not SAMPLE_MIN <= size <= SAMPLE_MAX:
        errors["size"] = _("Choose a sample of %(min)d to %(max)d comments.") % {
            "min": SAMPLE_MIN,
            "max": SAMPLE_MAX,
        }
    elif size > len(available):
        errors["size"] = _("This consultation has only %(n)d comments to sample.") % {
            "n": len(available)
        }
    if seed is not None and not 0 <= seed <= SEED_MAX:
        errors["seed"] = _("The seed is a whole number from 0 to %(max)d.") % {"max": SEED_MAX}
    if errors:
        raise ValidationError(errors)
    if seed is None:
        seed = random.SystemRandom().randint(0, SEED_MAX)
    chosen = random.Random(seed).sample(available, size)  # noqa: S311 (a sample, not a secret)
    sample = CodingSample.objects.create(
        consultation=consultation, size=size, seed=seed, created_by=actor
    )
    sample.comments.add(*chosen)
    Coding.objects.bulk_create([Coding(sample=sample, coder=c) for c in coders])
    return sample


@transaction.atomic
def coding_save(
    *, actor, coding: Coding, themes: Mapping[int, Iterable[Theme]], finish: bool = False
) -> Coding:
    """Replace the coder's themes for the sample's comments (by comment id); ``finish``
    makes the coding final.  A comment left out carries no theme."""
    require_can_code(actor, coding)
    coding = Coding.objects.select_for_update().select_related("sample").get(pk=coding.pk)
    if coding.finished_at is not None:
        raise ValidationError({"coding": _("You already finished this coding.")})
    sample = coding.sample
    sampled = set(sample.comments.values_list("pk", flat=True))
    outside = sorted(set(themes) - sampled)
    if outside:
        raise ValidationError({"themes": _("Only the sample's comments can be coded here.")})
    chosen = {comment_id: list(dict.fromkeys(ts)) for comment_id, ts in themes.items()}
    foreign = sorted(
        {
            t.name
            for ts in chosen.values()
            for t in ts
            if t.consultation_id != sample.consultation_id
        }
    )
    if foreign:
        raise ValidationError(
            {
                "themes": _("Not a theme of this consultation: %(names)s.")
                % {"names": ", ".join(foreign)}
            }
        )
    CodingLabel.objects.filter(coding=coding).delete()
    CodingLabel.objects.bulk_create(
        [
            CodingLabel(coding=coding, comment_id=comment_id, theme=theme)
            for comment_id, ts in chosen.items()
            for theme in ts
        ]
    )
    if finish:
        coding.finished_at = timezone.now()
        coding.save(update_fields=["finished_at"])
        waiting = Coding.objects.filter(
            sample=sample, coder__isnull=False, finished_at__isnull=True
        ).exists()
        if not waiting:
            enqueue("feedback.tasks.code_sample", sample_id=sample.pk)
    return coding


def suggester_input(*, sample: CodingSample):
    """The job's input: the themes with their hand-tagged comments outside the sample as
    examples (the sample's own tags would tell it the answer), and the sample's texts."""
    sampled = set(sample.comments.values_list("pk", flat=True))
    themes = list(Theme.objects.filter(consultation=sample.consultation_id).order_by("pk"))
    examples: dict[int, list[str]] = {t.pk: [] for t in themes}
    for theme_id, body in (
        ThemeTag.objects.filter(theme__in=themes)
        .exclude(comment_id__in=sampled)
        .order_by("pk")
        .values_list("theme_id", "comment__body")
    ):
        examples[theme_id].append(body)
    documents = list(sample.comments.order_by("pk").values_list("pk", "body"))
    return themes, examples, documents


def coding_suggest(*, sample_id: int) -> int:
    """The job: (re)write the suggester's coding of a sample; return how many labels."""
    # Loaded on demand: scikit-learn loads only in the worker running the job.
    from feedback.themes import suggest

    sample = CodingSample.objects.filter(pk=sample_id).first()
    if sample is None:
        return 0
    themes, examples, documents = suggester_input(sample=sample)
    found = suggest.assign_themes(
        [
            suggest.ThemeSeed(
                key=t.pk,
                keywords=f"{t.name} {t.description}",
                examples=tuple(examples[t.pk]),
            )
            for t in themes
        ],
        documents,
    )
    with transaction.atomic():
        coding, _created = Coding.objects.get_or_create(sample=sample, coder=None)
        CodingLabel.objects.filter(coding=coding).delete()
        labels = CodingLabel.objects.bulk_create(
            [
                CodingLabel(coding=coding, comment_id=comment_id, theme_id=theme_id)
                for comment_id, theme_ids in found.items()
                for theme_id in sorted(theme_ids)
            ]
        )
        coding.finished_at = timezone.now()
        coding.save(update_fields=["finished_at"])
    return len(labels)
