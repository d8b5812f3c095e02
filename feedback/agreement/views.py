"""Double-coding pages: the samples with the form to draw one, and a sample's page
(one's own coding form, then, once both coders finished, both codings and the
agreement figures).  Thin: one service call per POST, reads from the selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from consult.access import consultation_for
from feedback import permissions
from feedback.agreement import selectors, services
from feedback.agreement.forms import CodingForm, SampleForm
from feedback.models import CodingSample, Theme
from plenary.forms import NOT_DONE, posted, submit


@login_required
def samples(request, slug: str):
    consultation = consultation_for(request, slug, require=permissions.require_can_view_themes)
    form = SampleForm(
        posted(request), candidates=selectors.coder_candidates(consultation=consultation)
    )
    drawn = submit(
        request,
        form,
        lambda data: services.coding_sample_draw(
            actor=request.user, consultation=consultation, **data
        ),
    )
    if drawn is not NOT_DONE:
        messages.success(request, _("Sample drawn: %(n)d comments.") % {"n": drawn.size})
        return redirect("staff_coding_sample", slug=consultation.slug, pk=drawn.pk)
    return render(
        request,
        "feedback/coding_samples.html",
        {
            "consultation": consultation,
            "form": form,
            "samples": selectors.samples_of(consultation=consultation),
        },
    )


@login_required
def sample_detail(request, slug: str, pk: int):
    consultation = consultation_for(request, slug, require=permissions.require_can_view_themes)
    sample = get_object_or_404(
        CodingSample.objects.prefetch_related("codings__coder"), pk=pk, consultation=consultation
    )
    finished = selectors.all_finished(sample=sample)
    comments = list(sample.comments.order_by("pk"))
    themes = list(Theme.objects.filter(consultation=consultation).order_by("name"))
    mine = next(
        (
            c
            for c in selectors.people_codings(sample=sample)
            if permissions.is_coder(request.user, c)
        ),
        None,
    )
    form = None
    if mine is not None and mine.finished_at is None:
        form = CodingForm(
            posted(request),
            comments=comments,
            themes=themes,
            initial_labels=selectors.coding_labels(coding=mine),
        )
        saved = submit(
            request,
            form,
            lambda data: services.coding_save(
                actor=request.user,
                coding=mine,
                themes=form.themes_by_comment(),
                finish="finish" in request.POST,
            ),
        )
        if saved is not NOT_DONE:
            messages.success(
                request,
                _("Coding finished.") if saved.finished_at else _("Coding saved."),
            )
            return redirect("staff_coding_sample", slug=consultation.slug, pk=sample.pk)
    shown = [
        (coding, selectors.coding_labels(coding=coding))
        for coding in selectors.people_codings(sample=sample)
        if coding != mine or coding.finished_at is not None
        if permissions.coding_visible(request.user, coding, all_finished=finished)
    ]
    names = {t.pk: t.name for t in themes}
    return render(
        request,
        "feedback/coding_sample.html",
        {
            "consultation": consultation,
            "sample": sample,
            "form": form,
            "coders": selectors.people_codings(sample=sample),
            "finished": finished,
            "codings": [
                (
                    coding,
                    [(c, sorted(names[t] for t in labels.get(c.pk, ()))) for c in comments],
                )
                for coding, labels in shown
            ],
            "agreement": selectors.sample_agreement(sample=sample) if finished else None,
        },
    )
