"""Offsets of passages: paragraphs in text posted by a browser (CRLF), and the
segments the points page gives static/js/points.js."""

from feedback.points import passages

CRLF_LETTER = "Name the licence.\r\nCC BY 4.0.\r\n\r\n \r\nCover the regulators \U0001f30d.\r\n"


def test_paragraphs_of_text_posted_with_crlf_line_breaks():
    spans = passages.paragraph_spans(CRLF_LETTER)
    assert [CRLF_LETTER[s:e] for s, e in spans] == [
        "Name the licence.\r\nCC BY 4.0.",
        "Cover the regulators \U0001f30d.",
    ]


def test_segments_cover_the_text_exactly_with_python_offsets():
    segments = passages.source_segments(CRLF_LETTER)
    assert "".join(s.text for s in segments) == CRLF_LETTER
    for segment in segments:
        assert CRLF_LETTER[segment.start : segment.end] == segment.text
        assert segment.is_break == (segment.text in {"\r\n", "\n", "\r"})
    assert [s.text for s in segments if s.is_break] == ["\r\n"] * 5
    assert segments[-2] == passages.Segment(36, 59, "Cover the regulators \U0001f30d.", False)


def test_segments_of_lone_cr_and_lf_and_of_empty_text():
    assert passages.source_segments("a\rb\nc") == [
        passages.Segment(0, 1, "a", False),
        passages.Segment(1, 2, "\r", True),
        passages.Segment(2, 3, "b", False),
        passages.Segment(3, 4, "\n", True),
        passages.Segment(4, 5, "c", False),
    ]
    assert passages.source_segments("") == []
