"""The quote rule and the write-back of adopted wording (comments/amendments/quote.py)."""

import pytest
from django.core.exceptions import ValidationError

from comments.amendments.quote import excerpt, locate, plain_text, replace

SOURCE = (
    "Member States **shall** ensure that\n"
    "providers of [online services](https://x.org/a) keep logs\n"
    "for *six months*.  Providers shall report &amp; publish."
)


def test_plain_text_is_what_a_reader_sees_folded():
    plain = plain_text(SOURCE)
    assert plain.text == (
        "Member States shall ensure that providers of online services keep logs "
        "for six months. Providers shall report & publish."
    )
    assert None not in plain.source_index


@pytest.mark.parametrize(
    "quote",
    [
        "shall ensure that providers",  # across emphasis and a line break
        "shall  ensure\nthat   providers",  # whitespace folded
        "**shall** ensure that providers",  # pasted from the source, with its markers
    ],
)
def test_a_quote_found_once(quote):
    start, end = locate(SOURCE, quote)
    assert plain_text(SOURCE).text[start:end] == "shall ensure that providers"


@pytest.mark.parametrize(
    "quote, message",
    [
        ("shall", "occurs 2 times"),
        ("not in the text", "not found"),
        ("   ", "Give the passage"),
    ],
)
def test_a_quote_not_found_exactly_once_is_refused(quote, message):
    with pytest.raises(ValidationError) as caught:
        locate(SOURCE, quote)
    assert message in caught.value.message_dict["amendment"][0]


def test_replace_keeps_the_markup_around_the_passage():
    plain = plain_text(SOURCE)
    first = locate(SOURCE, "shall ensure that providers")
    link = locate(SOURCE, "online services keep")
    entity = locate(SOURCE, "report & publish")
    changed = replace(
        plain,
        [
            (*first, "must ensure that all providers"),
            (*link, "digital services retain"),
            (*entity, "tell"),
        ],
    )
    assert changed == (
        "Member States **must ensure that all providers** of\n"
        "[digital services retain](https://x.org/a) logs\n"
        "for *six months*.  Providers shall tell."
    ).replace(" of\n[", " of [")


def test_replace_across_list_items_and_escapes():
    items = "- item one\n- item *two* here"
    plain = plain_text(items)
    assert (
        replace(plain, [(*locate(items, "one item two"), "1 item 2")]) == "- item *1 item 2* here"
    )
    escaped = "Use `code` and \\*stars\\* more"
    plain = plain_text(escaped)
    assert replace(plain, [(*locate(escaped, "*stars*"), "moons")]) == "Use `code` and moons more"


def test_adjacent_changes_apply_and_overlapping_ones_are_refused():
    plain = plain_text("one two three")
    assert replace(plain, [(0, 3, "1"), (3, 7, " 2")]) == "1 2 three"
    with pytest.raises(ValueError):
        replace(plain, [(0, 7, "x"), (4, 13, "y")])


def test_excerpt_gives_context_words():
    text = plain_text(SOURCE).text
    start, end = locate(SOURCE, "six months")
    assert excerpt(text, start, end, words=2) == ("… logs for ", "six months", ". Providers …")
