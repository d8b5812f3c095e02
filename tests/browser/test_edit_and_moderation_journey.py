"""Editing, withdrawing and moderating comments in a real browser (issue 8).

Three journeys, each through the pages alone once its starting state is made
(the consultation, the accounts, and at most a comment written before the
journey starts):

1. an author edits a comment (the thread says "edited", the history page shows
   both versions) and withdraws another (the thread shows the placeholder);
2. another participant reports a comment, a moderator hides it from the queue
   with a public reason (signed-out readers see the reason, not the text; the
   author's receipt page says why), then restores it;
3. the secretariat turns pre-moderation on; a new participant's comment waits
   for a moderator (its author sees "awaiting moderation", others nothing)
   until the moderator approves it from the queue.

Accounts are factory-made (their addresses are verified, which commenting
requires) and sign in through /accounts/login/.
"""

import pytest
from django.core import mail

from comments.models import Comment, Flag, ModerationAction
from comments.threads import services as comment_services
from consult.models import Section
from tests.stakeholders.factories import PASSWORD, ParticipantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, email, password=PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def paragraph_key(consultation, ordinal: int = 2) -> str:
    return (
        Section.objects.filter(version__consultation=consultation, ordinal=ordinal)
        .latest("version__number")
        .key
    )


def thread_of(page, receipt: str):
    """The thread entry of one comment on a section page."""
    return page.locator(f"#c-{receipt}")


def test_author_edits_one_comment_and_withdraws_another(
    live_server, new_page, consultation, stakeholder
):
    base = live_server.url
    key = paragraph_key(consultation)
    # Written before the journey: the comment the author will withdraw.
    second = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=key,
        body="Regulators should be listed by name.",
    )

    # 1. The author comments on paragraph 2.
    person = new_page()
    sign_in(person, base, stakeholder.email)
    person.goto(f"{base}/c/{consultation.slug}/")
    person.get_by_role("link", name="Comment on paragraph 2").click()
    person.get_by_label("Your comment").fill("Open data should be free of charge.")
    person.get_by_role("button", name="Send comment").click()
    person.wait_for_url("**/r/**")
    comment = Comment.objects.get(body="Open data should be free of charge.")
    assert comment.receipt in person.get_by_role("status").inner_text()

    # 2. ... then edits it from the receipt page, previewing first.
    person.get_by_role("link", name="Edit this comment").click()
    assert person.url.endswith(f"/r/{comment.receipt}/edit/")
    body = person.get_by_label("Your comment")
    assert body.input_value() == "Open data should be free of charge."
    body.fill("Open data should be free of charge, **always**.")
    person.get_by_role("button", name="Preview").click()
    preview = person.locator("#preview")
    assert preview.locator("strong").inner_text() == "always"
    comment.refresh_from_db()
    assert comment.body == "Open data should be free of charge."  # a preview stores nothing
    person.get_by_role("button", name="Save changes").click()
    person.wait_for_url(f"**/r/{comment.receipt}/")
    assert "is updated" in person.get_by_role("status").inner_text()
    comment.refresh_from_db()
    assert comment.body == "Open data should be free of charge, **always**."
    assert comment.edited_at is not None

    # 3. The thread says "edited"; its link leads to both versions, the original first.
    person.goto(f"{base}/c/{consultation.slug}/s/{key}/")
    entry = thread_of(person, comment.receipt)
    assert "free of charge, always" in entry.inner_text()
    entry.get_by_role("link", name="edited (see every version)").click()
    assert person.url.endswith(f"/r/{comment.receipt}/history/")
    versions = person.locator("ol.revisions > li")
    assert versions.count() == 2
    assert "Original" in versions.nth(0).inner_text()
    assert "Open data should be free of charge." in versions.nth(0).inner_text()
    assert "Version 2" in versions.nth(1).inner_text()
    assert "current" in versions.nth(1).inner_text()
    assert versions.nth(1).locator("strong").inner_text() == "always"
    # Anyone may read the history of a public comment.
    anyone = new_page()
    anyone.goto(f"{base}/r/{comment.receipt}/history/")
    assert anyone.locator("ol.revisions > li").count() == 2

    # 4. The author withdraws the other comment from the thread.
    person.goto(f"{base}/c/{consultation.slug}/s/{key}/")
    thread_of(person, second.receipt).get_by_role("link", name=f"Withdraw {second.receipt}").click()
    assert person.url.endswith(f"/r/{second.receipt}/withdraw/")
    assert "This cannot be undone." in person.content()
    person.get_by_role("button", name="Withdraw this comment").click()
    person.wait_for_url(f"**/r/{second.receipt}/")
    assert "is withdrawn" in person.get_by_role("status").inner_text()
    second.refresh_from_db()
    assert second.withdrawn_at is not None

    # 5. Everyone sees the placeholder in its place, not its text; the edited one stays.
    anyone.goto(f"{base}/c/{consultation.slug}/s/{key}/")
    withdrawn = thread_of(anyone, second.receipt)
    assert "Withdrawn by its author" in withdrawn.inner_text()
    assert "Regulators should be listed by name." not in anyone.content()
    assert withdrawn.get_by_role("link", name=f"Report {second.receipt}").count() == 0
    edited = thread_of(anyone, comment.receipt)
    assert "free of charge, always" in edited.inner_text()
    assert edited.get_by_role("link", name="edited (see every version)").count() == 1
    assert edited.get_by_role("link", name=f"Report {comment.receipt}").count() == 1
    # The author's own thread no longer offers to edit or withdraw it.
    person.goto(f"{base}/c/{consultation.slug}/s/{key}/")
    assert thread_of(person, second.receipt).get_by_role("link", name="Edit").count() == 0


def test_a_report_leads_a_moderator_to_hide_and_restore_a_comment(
    live_server, new_page, consultation, stakeholder, other_stakeholder, moderator
):
    base = live_server.url
    key = paragraph_key(consultation)
    text = "Whoever wrote paragraph 2 should be sacked."
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=key, body=text
    )
    thread_url = f"{base}/c/{consultation.slug}/s/{key}/"
    reason = "Personal attack on a named official (code of conduct, rule 1)."

    # 1. Another participant reports it from the thread, with a reason.
    reporter = new_page()
    sign_in(reporter, base, other_stakeholder.email)
    reporter.goto(thread_url)
    thread_of(reporter, comment.receipt).get_by_role(
        "link", name=f"Report {comment.receipt}"
    ).click()
    assert reporter.url.endswith(f"/r/{comment.receipt}/flag/")
    reporter.get_by_role("button", name="Send the report").click()  # no reason chosen
    assert reporter.url.endswith(f"/r/{comment.receipt}/flag/")
    assert Flag.objects.count() == 0
    reporter.get_by_label("harassment or abuse").check()
    reporter.get_by_label("Details (optional)").fill("It names and insults a civil servant.")
    reporter.get_by_role("button", name="Send the report").click()
    reporter.wait_for_url(f"**/r/{comment.receipt}/")
    assert "moderators will look" in reporter.get_by_role("status").inner_text()
    assert Flag.objects.filter(comment=comment, flagged_by=other_stakeholder).count() == 1

    # 2. The moderator opens the queue and hides it with a public reason.
    mail.outbox.clear()
    mod = new_page()
    sign_in(mod, base, moderator.email)
    mod.goto(f"{base}/staff/c/{consultation.slug}/moderation/")
    assert "1 reported comment" in mod.locator("main").inner_text()
    item = mod.locator(f"#q-{comment.receipt}")
    assert text in item.inner_text()
    assert "harassment or abuse" in item.inner_text()
    assert "It names and insults a civil servant." in item.inner_text()
    item.get_by_label("Hide", exact=True).check()
    item.get_by_role("button", name=f"Record the decision on {comment.receipt}").click()
    # No reason: refused beside the field, nothing hidden.
    assert "Give a reason" in mod.locator("main").inner_text()
    comment.refresh_from_db()
    assert comment.moderation == Comment.Moderation.VISIBLE
    mod.get_by_label("Hide", exact=True).check()
    mod.get_by_label("Reason").fill(reason)
    mod.get_by_role("button", name=f"Record the decision on {comment.receipt}").click()
    assert f"Comment {comment.receipt} hidden" in mod.get_by_role("status").inner_text()
    comment.refresh_from_db()
    assert comment.moderation == Comment.Moderation.HIDDEN
    assert Flag.objects.get(comment=comment).resolved_at is not None
    assert [m.to for m in mail.outbox if comment.receipt in m.subject] == [[stakeholder.email]]

    # 3. Signed out, the thread shows the placeholder with the reason, not the text.
    anyone = new_page()
    anyone.goto(thread_url)
    entry = thread_of(anyone, comment.receipt)
    assert f"Hidden by a moderator: {reason}" in entry.inner_text()
    assert "Hidden comment" in entry.inner_text()
    assert text not in anyone.content()
    assert stakeholder.participant.display_name not in entry.inner_text()
    anyone.goto(f"{base}/r/{comment.receipt}/")
    assert text not in anyone.content()

    # 4. The author's receipt page says it is hidden, and why.
    author = new_page()
    sign_in(author, base, stakeholder.email)
    author.goto(f"{base}/r/{comment.receipt}/")
    notice = author.locator("main .notice")
    assert "A moderator hid this comment" in notice.inner_text()
    assert reason in notice.inner_text()

    # 5. The moderator restores it (from "Recently hidden"); the text is back for everyone.
    mod.goto(f"{base}/staff/c/{consultation.slug}/moderation/")
    mod.get_by_role("link", name=comment.receipt, exact=True).click()
    assert mod.url.endswith(f"/staff/comments/{comment.receipt}/moderate/")
    assert reason in mod.locator("main").inner_text()  # the state, with its reason
    mod.get_by_label("Restore (show it again)").check()
    mod.get_by_label("Reason").fill("On review, criticism of a public role, not a person.")
    mod.get_by_role("button", name=f"Record the decision on {comment.receipt}").click()
    assert f"Comment {comment.receipt} restored" in mod.get_by_role("status").inner_text()
    history = mod.locator("section", has=mod.get_by_role("heading", name="Moderation history"))
    assert "criticism of a public role" in history.inner_text()
    assert reason in history.inner_text()
    anyone.goto(thread_url)
    entry = thread_of(anyone, comment.receipt)
    assert text in entry.inner_text()
    assert "Hidden by a moderator" not in entry.inner_text()
    assert list(
        ModerationAction.objects.filter(comment=comment).values_list("action", flat=True)
    ) == ["hide", "restore"]


def test_premoderation_holds_a_first_comment_until_a_moderator_approves_it(
    live_server, new_page, consultation, secretariat, other_stakeholder, moderator
):
    base = live_server.url
    key = paragraph_key(consultation)
    newcomer = ParticipantFactory(display_name="Nadia", user__email="nadia@example.org").user
    text = "Agencies need a transition period of a year."

    # 1. The secretariat pre-moderates each participant's first comment.
    staff = new_page()
    sign_in(staff, base, secretariat.email)
    staff.goto(f"{base}/staff/c/{consultation.slug}/")
    staff.get_by_label("Pre-moderate each participant's first comments").fill("1")
    staff.get_by_role("button", name="Save", exact=True).click()
    assert "Saved." in staff.get_by_role("status").inner_text()
    consultation.refresh_from_db()
    assert consultation.premoderate_first == 1

    # 2. A new participant comments: it awaits moderation, and they are told.
    person = new_page()
    sign_in(person, base, newcomer.email)
    person.goto(f"{base}/c/{consultation.slug}/")
    person.get_by_role("link", name="Comment on paragraph 2").click()
    person.get_by_label("Your comment").fill(text)
    person.get_by_role("button", name="Send comment").click()
    person.wait_for_url("**/r/**")
    comment = Comment.objects.get(body=text)
    assert comment.moderation == Comment.Moderation.PENDING
    assert "Awaiting moderation" in person.locator("main .notice").inner_text()
    person.goto(f"{base}/c/{consultation.slug}/s/{key}/")
    mine = thread_of(person, comment.receipt)
    assert "awaiting moderation" in mine.inner_text()
    assert text in mine.inner_text()

    # 3. Others do not see it: signed out, nor signed in as another participant.
    anyone = new_page()
    anyone.goto(f"{base}/c/{consultation.slug}/s/{key}/")
    assert text not in anyone.content()
    assert thread_of(anyone, comment.receipt).count() == 0
    other = new_page()
    sign_in(other, base, other_stakeholder.email)
    other.goto(f"{base}/c/{consultation.slug}/s/{key}/")
    assert text not in other.content()

    # 4. The moderator approves it from the queue.
    mod = new_page()
    sign_in(mod, base, moderator.email)
    mod.goto(f"{base}/staff/c/{consultation.slug}/moderation/")
    assert "1 awaiting approval" in mod.locator("main").inner_text()
    item = mod.locator(f"#q-{comment.receipt}")
    assert "awaiting approval" in item.inner_text()
    assert text in item.inner_text()
    item.get_by_label("Approve (show it)").check()
    item.get_by_label("Reason").fill("Within the ground rules.")
    item.get_by_role("button", name=f"Record the decision on {comment.receipt}").click()
    assert f"Comment {comment.receipt} approved" in mod.get_by_role("status").inner_text()
    assert "Nothing waits for a moderator." in mod.locator("main").inner_text()

    # 5. Now it is public, and the newcomer's next comment is not held.
    anyone.goto(f"{base}/c/{consultation.slug}/s/{key}/")
    assert text in thread_of(anyone, comment.receipt).inner_text()
    person.goto(f"{base}/c/{consultation.slug}/s/{key}/")
    assert "awaiting moderation" not in thread_of(person, comment.receipt).inner_text()
    person.get_by_label("Your comment").fill("And a help desk for the first year.")
    person.get_by_role("button", name="Send comment").click()
    person.wait_for_url("**/r/**")
    assert Comment.objects.get(body="And a help desk for the first year.").moderation == (
        Comment.Moderation.VISIBLE
    )
