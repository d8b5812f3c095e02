"""The outcome report: content read back from the PDF, privacy, one run per state,
failure and retry, the empty consultation, permissions, DOCX.

WeasyPrint is slow (about a second per small document), so sizes stay in the
tens of comments; ``CHUNK_SIZE`` is lowered so that the appendix is several
chunks and the join (page numbers, outline, structure tree) is exercised.
"""

import io
import os
import re
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from comments.models import Comment
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from feedback.ledger import selectors as ledger_selectors
from feedback.ledger import services
from feedback.models import OutcomeReport, Theme, ThemeTag
from feedback.privacy.services import account_erase
from feedback.report import pdf
from feedback.report import selectors as report_selectors
from feedback.report import services as report
from plenary.audit.models import AuditEvent, Event
from tests.stakeholders.factories import PASSWORD, ParticipantFactory

PRIVATE_TEXT = "Confidential-marker-private-7731"
HIDDEN_TEXT = "Confidential-marker-hidden-7732"
WITHDRAWN_TEXT = "Confidential-marker-withdrawn-7733"
PRIVATE_RATIONALE = "Confidential-rationale-7734"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Several chunks even for a dozen comments, and more than one renderer process.
    monkeypatch.setattr(pdf, "CHUNK_SIZE", 4)
    monkeypatch.setattr(pdf, "PIECES_PER_PROCESS", 2)


@pytest.fixture
def analyst(consultation, secretariat):
    user = ParticipantFactory(display_name="Analyst", user__email="analyst@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.ANALYST
    )
    return user


@pytest.fixture
def commented(consultation, secretariat, stakeholder, other_stakeholder):
    """Ten public comments over three sections (two with decisions), a reply, a comment
    on the whole draft, and a private, a hidden and a withdrawn one."""
    public = []
    for n, key in enumerate(["1-purpose-1", "2-scope-1", "3-licensing-1"] * 3 + ["1-purpose-2"]):
        author = stakeholder if n % 2 else other_stakeholder
        public.append(
            comment_services.comment_create(
                actor=author, consultation=consultation, section_key=key, body=f"Public {n}."
            )
        )
    public.append(
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, parent=public[0], body="A reply."
        )
    )
    public.append(
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, body="On the whole draft."
        )
    )
    private = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="2-scope-1",
        body=PRIVATE_TEXT,
        visibility=Comment.Visibility.PRIVATE,
    )
    hidden = comment_services.comment_create(
        actor=other_stakeholder,
        consultation=consultation,
        section_key="2-scope-1",
        body=HIDDEN_TEXT,
    )
    withdrawn = comment_services.comment_create(
        actor=other_stakeholder,
        consultation=consultation,
        section_key="1-purpose-1",
        body=WITHDRAWN_TEXT,
    )
    # Set-up only: the moderation and withdrawal services are tested elsewhere.
    Comment.objects.filter(pk=hidden.pk).update(moderation=Comment.Moderation.HIDDEN)
    Comment.objects.filter(pk=withdrawn.pk).update(withdrawn_at=withdrawn.created_at)
    services.disposition_record(
        actor=secretariat,
        comment=public[0],
        status="partly_accepted",
        rationale="Taken up in part.",
        publish=True,
    )
    services.disposition_record(
        actor=secretariat,
        comment=private,
        status="not_accepted",
        rationale=PRIVATE_RATIONALE,
        publish=True,
    )
    theme = Theme.objects.create(consultation=consultation, name="Open licences")
    ThemeTag.objects.bulk_create(ThemeTag(theme=theme, comment=c) for c in public[:3])
    return {"public": public, "private": private, "hidden": hidden, "withdrawn": withdrawn}


def request_report(client, consultation, fmt="pdf", capture=None):
    url = reverse("staff_report", args=[consultation.slug])
    if capture is None:
        return client.post(url, {"format": fmt})
    with capture(execute=True):
        return client.post(url, {"format": fmt})


def download(client, consultation, run) -> bytes:
    response = client.get(reverse("staff_report_download", args=[consultation.slug, run.pk]))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def pdf_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def outline_titles(outline, depth=0) -> list[tuple[int, str]]:
    titles = []
    for item in outline:
        if isinstance(item, list):
            titles += outline_titles(item, depth + 1)
        else:
            titles.append((depth, item.title))
    return titles


def test_secretariat_gets_a_pdf_with_every_receipt_bookmarks_and_page_numbers(
    client, secretariat, consultation, commented, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)
    response = request_report(client, consultation, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    run = OutcomeReport.objects.get(consultation=consultation)
    assert (run.state, run.progress, run.error) == ("done", 100, "")
    every = Comment.objects.filter(consultation=consultation)
    assert run.comment_count == every.count() == 15

    reader = PdfReader(io.BytesIO(download(client, consultation, run)))
    assert len(reader.pages) == run.page_count
    text = pdf_text(reader)
    for receipt in every.values_list("receipt", flat=True):
        assert receipt in text, receipt
    assert "Taken up in part." in text
    assert "Open licences 3" in text  # the themes table

    # Page numbers run on across the joined chunks: page n prints n.
    footers = [page.extract_text().strip().splitlines()[-1] for page in reader.pages]
    assert footers == [str(n) for n in range(1, len(reader.pages) + 1)]

    titles = outline_titles(reader.outline)
    assert (0, "Contents") in titles
    appendix = titles.index((0, "Appendix: every comment and its answer"))
    nested = [title for depth, title in titles[appendix + 1 :] if depth == 1]
    assert nested[0].startswith("§1 ") and "The whole draft" in nested
    assert nested[-1] == "Comments not shown in full"
    assert not any("continued" in title for _depth, title in titles)

    # Tagged PDF for screen readers, with its language and title.
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert reader.metadata.title == f"Outcome report: {consultation.title}"
    tree = root["/StructTreeRoot"]
    assert tree["/K"][0]["/S"] == "/Document"
    assert int(tree["/ParentTreeNextKey"]) > len(reader.pages)
    # Every page has its own entry in the one parent tree (the pieces' keys were shifted).
    keys = [int(page["/StructParents"]) for page in reader.pages]
    nums = tree["/ParentTree"]["/Nums"]
    assert len(set(keys)) == len(keys) and set(keys) <= {int(key) for key in nums[::2]}

    # The table of contents gives the page each appendix group starts on.
    first_group = nested[0]
    listed = re.search(re.escape(first_group) + r" \(\d+\) \.+ (\d+)", text)
    assert listed, text[:2000]
    page_index = next(
        n for n, page in enumerate(reader.pages) if first_group in page.extract_text() and n > 2
    )
    assert int(listed.group(1)) == page_index + 1


def test_private_hidden_and_withdrawn_text_never_in_the_report(
    client, secretariat, consultation, commented, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)
    request_report(client, consultation, capture=django_capture_on_commit_callbacks)
    run = OutcomeReport.objects.get(consultation=consultation)
    text = pdf_text(PdfReader(io.BytesIO(download(client, consultation, run))))
    for secret in (PRIVATE_TEXT, HIDDEN_TEXT, WITHDRAWN_TEXT, PRIVATE_RATIONALE):
        assert secret not in text
    for kind in ("private", "hidden", "withdrawn"):
        assert commented[kind].receipt in text
    assert "Hidden by a moderator." in text
    assert "Withdrawn by its author." in text
    assert "not accepted" in text  # the private comment's status is shown


def test_requested_twice_makes_one_run(client, secretariat, consultation, commented):
    client.force_login(secretariat)
    # Without running the task: both requests see the same state.
    request_report(client, consultation)
    request_report(client, consultation)
    runs = OutcomeReport.objects.filter(consultation=consultation)
    assert runs.count() == 1
    assert runs.get().state == OutcomeReport.State.QUEUED


def test_simultaneous_requests_make_one_run(secretariat, consultation, monkeypatch):
    """The second request's look-up misses the first's row (not committed yet when it
    looked): its insert hits the unique constraint and it returns the first run."""
    first, created = report.report_request(actor=secretariat, consultation=consultation)
    assert created
    real_live_run = report._live_run
    calls = []

    def not_yet_visible(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real_live_run(**kwargs)

    monkeypatch.setattr(report, "_live_run", not_yet_visible)
    second, created = report.report_request(actor=secretariat, consultation=consultation)
    assert (second, created) == (first, False)
    assert len(calls) == 2
    assert OutcomeReport.objects.filter(consultation=consultation).count() == 1


def test_an_abandoned_run_gives_way_to_a_new_one(secretariat, consultation):
    stuck, _created = report.report_request(actor=secretariat, consultation=consultation)
    OutcomeReport.objects.filter(pk=stuck.pk).update(
        state="running", started_at=timezone.now() - timedelta(hours=5)
    )
    assert report.report_request(actor=secretariat, consultation=consultation) == (stuck, False)
    OutcomeReport.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - timedelta(hours=7))
    fresh, created = report.report_request(actor=secretariat, consultation=consultation)
    assert created and fresh.pk != stuck.pk
    stuck.refresh_from_db()
    assert stuck.state == "failed" and "Abandoned" in stuck.error


def test_failure_is_shown_and_a_retry_builds_the_report(
    client, secretariat, consultation, commented, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)

    def broken(**kwargs):
        raise RuntimeError("the renderer ran out of paper")

    monkeypatch.setattr(report_selectors, "front_context", broken)
    request_report(client, consultation, capture=django_capture_on_commit_callbacks)
    failed = OutcomeReport.objects.get(consultation=consultation)
    assert failed.state == OutcomeReport.State.FAILED
    assert "the renderer ran out of paper" in failed.error
    page = client.get(reverse("staff_report", args=[consultation.slug]))
    assert "the renderer ran out of paper" in page.content.decode()
    assert b'http-equiv="refresh"' not in page.content
    assert (
        client.get(
            reverse("staff_report_download", args=[consultation.slug, failed.pk])
        ).status_code
        == 404
    )

    monkeypatch.undo()
    monkeypatch.setattr(pdf, "CHUNK_SIZE", 4)
    request_report(client, consultation, capture=django_capture_on_commit_callbacks)
    retried = OutcomeReport.objects.exclude(pk=failed.pk).get(consultation=consultation)
    assert retried.state == OutcomeReport.State.DONE
    assert retried.state_key == failed.state_key
    assert download(client, consultation, retried).startswith(b"%PDF-1.7")


def test_page_refreshes_while_a_report_is_being_built(client, secretariat, consultation):
    client.force_login(secretariat)
    request_report(client, consultation)  # queued: the task did not run
    page = client.get(reverse("staff_report", args=[consultation.slug]))
    assert b'<meta http-equiv="refresh" content="5">' in page.content
    assert b"waiting to start" in page.content  # pieces are counted once the build starts


def test_empty_consultation_yields_a_valid_pdf(
    client, secretariat, consultation, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)
    request_report(client, consultation, capture=django_capture_on_commit_callbacks)
    run = OutcomeReport.objects.get(consultation=consultation)
    assert run.state == OutcomeReport.State.DONE, run.error
    reader = PdfReader(io.BytesIO(download(client, consultation, run)))
    assert len(reader.pages) == run.page_count >= 6
    text = pdf_text(reader)
    assert consultation.title in text
    assert "No comments yet." in text
    assert run.comment_count == 0


def test_a_new_comment_makes_a_new_state_and_a_new_run(
    client, secretariat, consultation, stakeholder
):
    client.force_login(secretariat)
    request_report(client, consultation)
    comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="2-scope-1", body="Later."
    )
    request_report(client, consultation)
    keys = OutcomeReport.objects.filter(consultation=consultation).values_list(
        "state_key", flat=True
    )
    assert len(set(keys)) == 2


def test_docx_has_every_receipt_and_no_private_text(
    client, secretariat, consultation, commented, django_capture_on_commit_callbacks
):
    from docx import Document

    client.force_login(secretariat)
    request_report(client, consultation, "docx", capture=django_capture_on_commit_callbacks)
    run = OutcomeReport.objects.get(consultation=consultation, format="docx")
    assert run.state == OutcomeReport.State.DONE, run.error
    document = Document(io.BytesIO(download(client, consultation, run)))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    for receipt in Comment.objects.filter(consultation=consultation).values_list(
        "receipt", flat=True
    ):
        assert receipt in text
    for secret in (PRIVATE_TEXT, HIDDEN_TEXT, WITHDRAWN_TEXT, PRIVATE_RATIONALE):
        assert secret not in text
    assert document.core_properties.title == f"Outcome report: {consultation.title}"


def test_analyst_can_request_and_download(
    client, analyst, consultation, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    assert client.get(reverse("staff_report", args=[consultation.slug])).status_code == 200
    request_report(client, consultation, capture=django_capture_on_commit_callbacks)
    run = OutcomeReport.objects.get(consultation=consultation)
    assert download(client, consultation, run).startswith(b"%PDF")
    event = AuditEvent.objects.get(event=Event.EXPORT_DOWNLOADED)
    assert (event.actor, event.target) == (analyst, "outcome-report.pdf")


@pytest.mark.parametrize("who", ["anonymous", "stakeholder", "moderator", "other_secretariat"])
def test_others_can_neither_request_nor_download(
    request, client, secretariat, consultation, who, moderator
):
    run, _created = report.report_request(actor=secretariat, consultation=consultation)
    OutcomeReport.objects.filter(pk=run.pk).update(state="done", file="reports/x.pdf")
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    page = reverse("staff_report", args=[consultation.slug])
    file = reverse("staff_report_download", args=[consultation.slug, run.pk])
    for response in (client.get(page), client.post(page, {"format": "pdf"}), client.get(file)):
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403
    assert OutcomeReport.objects.count() == 1


def test_a_report_is_downloaded_only_through_its_own_consultation(
    client, secretariat, consultation, other_secretariat
):
    run, _created = report.report_request(actor=secretariat, consultation=consultation)
    OutcomeReport.objects.filter(pk=run.pk).update(state="done", file="reports/x.pdf")
    client.force_login(other_secretariat)
    elsewhere = other_secretariat_consultation(other_secretariat)
    response = client.get(reverse("staff_report_download", args=[elsewhere.slug, run.pk]))
    assert response.status_code == 404


def other_secretariat_consultation(user):
    from consult.models import Consultation

    return Consultation.objects.get(title="Another consultation")


def test_bad_format_is_refused_beside_the_field(client, secretariat, consultation):
    client.force_login(secretariat)
    response = request_report(client, consultation, fmt="odt")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not OutcomeReport.objects.exists()


@pytest.mark.parametrize("extra_runs", [1, 6])
def test_report_page_queries_do_not_grow_with_runs(
    client, secretariat, consultation, extra_runs, django_assert_num_queries
):
    for n in range(extra_runs):
        OutcomeReport.objects.create(
            consultation=consultation, state_key=f"{n:064d}", state="done", file="reports/x.pdf"
        )
    client.force_login(secretariat)
    url = reverse("staff_report", args=[consultation.slug])
    client.get(url)  # warm the session and permission caches
    with django_assert_num_queries(QUERIES_REPORT_PAGE):
        response = client.get(url)
    assert response.content.count(b"Download PDF") == extra_runs


# 10 before issue 21: the role was checked twice (team, then report); +1 in issue 22:
# the header's Staff link (consult.permissions.can_see_staff_pages).
QUERIES_REPORT_PAGE = 9


def test_progress_rises_chunk_by_chunk(consultation, commented, tmp_path):
    seen = []
    outcome = pdf.build_pdf(
        consultation=consultation,
        target=tmp_path / "report.pdf",
        folder=tmp_path,
        progress=lambda done, total: seen.append(done),
        chunk_size=5,
    )
    assert outcome.comment_count == 15
    # Nothing yet, the front matter, three chunks of five, the join.
    assert seen == [0, 1, 2, 3, 4, 5]


def test_a_worker_holding_over_1024_descriptors_still_builds_the_pdf(
    consultation, commented, tmp_path
):
    """select() refuses descriptors past 1024 ("filedescriptor out of range"): a
    long-lived worker with many files open once failed every report.  The renderer's
    pipe is waited on through selectors (epoll or poll) instead."""
    held = []
    try:
        while not held or held[-1] < 1100:
            held.append(os.open(os.devnull, os.O_RDONLY))
        outcome = pdf.build_pdf(
            consultation=consultation,
            target=tmp_path / "report.pdf",
            folder=tmp_path,
            progress=lambda done, total: None,
        )
    finally:
        for descriptor in held:
            os.close(descriptor)
    assert outcome.comment_count == 15


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_the_same_moment_make_one_run(settings):
    """Two threads ask at once, each on its own connection: one run, both get it."""
    from tests.consult.factories import open_consultation
    from tests.stakeholders.factories import convenor

    settings.PLENARY_TASKS_INLINE = False  # leave the task in the outbox
    secretariat = convenor(email="race@example.org")
    consultation = open_consultation(secretariat=secretariat)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def ask():
        try:
            barrier.wait(timeout=10)
            results.append(report.report_request(actor=secretariat, consultation=consultation))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert OutcomeReport.objects.filter(consultation=consultation).count() == 1
    assert len({run.pk for run, _created in results}) == 1
    assert sorted(created for _run, created in results) == [False, True]


def test_what_a_non_public_comment_said_never_leaves_the_database(consultation, commented):
    sections = ledger_selectors.ledger_sections(consultation=consultation)
    rows = list(report_selectors.appendix_rows(consultation=consultation, sections=sections))
    assert len(rows) == 15
    hidden_rows = [row for row in rows if row["shown"]]
    assert {row["receipt"] for row in hidden_rows} == {
        commented[kind].receipt for kind in ("private", "hidden", "withdrawn")
    }
    assert rows[-3:] == hidden_rows  # listed last, apart from the sections
    for row in hidden_rows:
        for column in ("text_html", "author_name", "section_key", "rationale", "group_name"):
            assert row[column] is None, column
    private = next(row for row in rows if row["receipt"] == commented["private"].receipt)
    assert private["status"] == "not_accepted"
    public = next(row for row in rows if row["receipt"] == commented["public"][0].receipt)
    assert (public["rationale"], public["section_key"]) == ("Taken up in part.", "1-purpose-1")


def test_only_the_newest_report_files_are_kept(
    client, settings, secretariat, consultation, stakeholder, django_capture_on_commit_callbacks
):
    settings.PLENARY_REPORTS_KEPT = 2
    client.force_login(secretariat)
    for n in range(3):
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, section_key="2-scope-1", body=f"C{n}"
        )
        request_report(client, consultation, capture=django_capture_on_commit_callbacks)
    runs = list(OutcomeReport.objects.filter(consultation=consultation).order_by("created_at"))
    assert [run.state for run in runs] == ["done"] * 3
    oldest, *newest = runs

    assert oldest.file.name == "" and all(run.file for run in newest)
    files = sorted(p.name for p in (settings.MEDIA_ROOT / "reports").iterdir())
    assert files == sorted(Path(run.file.name).name for run in newest)
    download(client, consultation, newest[-1])  # still served
    gone = client.get(reverse("staff_report_download", args=[consultation.slug, oldest.pk]))
    assert gone.status_code == 404
    page = client.get(reverse("staff_report", args=[consultation.slug])).content.decode()
    assert "only the newest reports are kept" in page


def test_a_renderer_process_lays_out_a_few_pieces_and_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "PIECES_PER_PROCESS", 2)
    html = "<html lang='en'><body><h1 id='top'>Piece</h1><p>Text.</p></body></html>"
    with pdf._Renderer(tmp_path) as renderer:
        pieces = [
            renderer.render(html, path=tmp_path / f"piece-{n}.pdf", title="T", first_page=n)
            for n in (1, 2, 3)
        ]
        assert renderer.started == 2  # the third piece needed a new process
    for piece in pieces:
        assert piece.pages == 1 and piece.anchors == {"top": 0}
        assert piece.bookmarks[0][:3] == (1, "Piece", 0)
        assert PdfReader(piece.path).pages[0].extract_text().strip().endswith(piece.path.stem[-1])
    assert not list(tmp_path.glob("*.html"))  # the HTML handed over is removed once laid out


def test_a_renderer_failure_is_recorded_on_the_run(
    client, secretariat, consultation, commented, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)
    monkeypatch.setattr(pdf, "_CSS", Path("/nonexistent/report.css"))
    request_report(client, consultation, capture=django_capture_on_commit_callbacks)
    run = OutcomeReport.objects.get(consultation=consultation)
    assert run.state == OutcomeReport.State.FAILED
    assert run.error.startswith("RenderError: The report's renderer failed: FileNotFoundError")
    assert "/nonexistent/report.css" in run.error


def test_a_renderer_killed_mid_piece_is_an_error_that_says_so(tmp_path):
    """What the parent sees when the kernel's OOM killer ends the renderer."""
    with pdf._Renderer(tmp_path) as renderer:
        renderer.submit("<p>Text.</p>", path=tmp_path / "piece.pdf", title="T", first_page=1)
        renderer.process.kill()
        with pytest.raises(pdf.RenderError, match="stopped without an answer, exit status -9"):
            renderer.result()
        assert renderer.process is None


def test_a_renderer_that_hangs_is_killed_and_the_error_says_so(tmp_path, monkeypatch):
    """A piece that never finishes must not hold the worker: the run fails, naming the wait."""
    monkeypatch.setattr(pdf, "PIECE_TIMEOUT_SECONDS", 0.5)
    # The sleep stays: it is the hung renderer under test (a child that never
    # answers), not a pause of the test, which waits on result() and its timeout.
    monkeypatch.setattr(
        pdf._Renderer, "command", [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    with pdf._Renderer(tmp_path) as renderer:
        renderer.submit("<p>Text.</p>", path=tmp_path / "piece.pdf", title="T", first_page=1)
        process = renderer.process
        started = time.monotonic()
        with pytest.raises(pdf.RenderError, match=r"no answer within 0\.5 s"):
            renderer.result()
        assert time.monotonic() - started < 10
        assert process.poll() is not None and renderer.process is None


def report_text(data: bytes, fmt: str) -> str:
    if fmt == "docx":
        from docx import Document  # loaded on demand: python-docx, only for the DOCX case

        return "\n".join(paragraph.text for paragraph in Document(io.BytesIO(data)).paragraphs)
    return pdf_text(PdfReader(io.BytesIO(data)))


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_erasure_deletes_the_reports_that_name_the_person_and_the_next_one_omits_them(
    client,
    secretariat,
    consultation,
    commented,
    stakeholder,
    fmt,
    django_capture_on_commit_callbacks,
):
    """Finding 8: after erasure, asking again returned the same stored file, still
    naming the person, because the report's state key did not change."""
    client.force_login(secretariat)
    request_report(client, consultation, fmt, capture=django_capture_on_commit_callbacks)
    before = OutcomeReport.objects.get(consultation=consultation, format=fmt)
    assert before.state == OutcomeReport.State.DONE, before.error
    assert "Wanjiru" in report_text(download(client, consultation, before), fmt)
    stored = Path(before.file.path)
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(actor=stakeholder, password=PASSWORD)

    assert not OutcomeReport.objects.filter(pk=before.pk).exists()
    assert not stored.exists()  # the file went once the erasure committed
    assert report.report_state_key(consultation=consultation) != before.state_key
    request_report(client, consultation, fmt, capture=django_capture_on_commit_callbacks)
    after = OutcomeReport.objects.get(consultation=consultation, format=fmt)
    assert after.pk != before.pk and after.state == OutcomeReport.State.DONE, after.error
    text = report_text(download(client, consultation, after), fmt)
    assert "Wanjiru" not in text
    assert "Rafael" in text  # the others are still named
    assert "Withdrawn participant" in text


def test_a_run_deleted_by_an_erasure_while_it_is_built_leaves_no_file(
    secretariat, consultation, commented, stakeholder, monkeypatch, settings
):
    run, _created = report.report_request(actor=secretariat, consultation=consultation)
    real_build_pdf = pdf.build_pdf

    def erase_midway(**kwargs):
        outcome = real_build_pdf(**kwargs)
        report.reports_forget_author(user=stakeholder)
        return outcome

    monkeypatch.setattr(pdf, "build_pdf", erase_midway)
    assert report.report_build(report_id=run.pk) == report.REMOVED
    assert not OutcomeReport.objects.filter(pk=run.pk).exists()
    reports = Path(settings.MEDIA_ROOT) / "reports"
    assert not reports.exists() or list(reports.iterdir()) == []
