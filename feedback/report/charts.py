"""Bar charts for the outcome report, drawn as SVG on the server.

No JavaScript and no plotting library: a chart is a few rectangles and
labels, and WeasyPrint draws SVG itself.  The report puts the same numbers
in a table beside each chart, so the chart is never the only way to read
them (its ``alt`` text says so).
"""

import base64
from xml.sax.saxutils import escape

# Geometry in SVG user units (rendered at 1 unit = 1 CSS px).
WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 60
BAR_HEIGHT = 16
GAP = 6
MAX_LABEL_CHARS = 30
BAR_COLOUR = "#0b5cad"
INK = "#1b1f24"


def _label(text: str) -> str:
    text = text or "—"
    if len(text) > MAX_LABEL_CHARS:
        text = text[: MAX_LABEL_CHARS - 1] + "…"
    return escape(text)


# The narrow layout, for charts inlined in a page (participation dashboards): each label
# sits on its own line above its bar, so the viewBox can be narrow and the SVG scale to
# the column (CSS ``width: 100%``) without shrinking the text.  At 360 px the column is
# about 328 px wide, so 13-unit labels render at about 13 px (issue 22: 4 px before).
NARROW_WIDTH = 320
NARROW_FONT = 13
NARROW_LABEL_CHARS = 40
NARROW_BAR_HEIGHT = 12
NARROW_VALUE_WIDTH = 40


def bar_chart_svg(
    rows: list[tuple[str, int]], *, title: str, ident: str = "", description: str = ""
) -> str:
    """A horizontal bar chart of ``(label, count)`` rows, in the order given.

    With ``ident`` (for SVG inlined in a page, e.g. the participation
    dashboard) the chart is ``role="img"`` and labelled by its ``<title>`` and
    ``<desc>`` (ids ``<ident>-title``, ``<ident>-desc``) for screen readers,
    and drawn in the narrow layout (labels above bars, no fixed width) so it
    stays legible on a phone.  Without it (the PDF report) labels sit beside
    the bars at a fixed 640-unit width.
    """
    if ident:
        return _narrow_chart(rows, title=title, ident=ident, description=description)
    top = max((count for _label_text, count in rows), default=0) or 1
    bar_space = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = max(len(rows), 1) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, count) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        text_y = y + BAR_HEIGHT - 4
        width = round(bar_space * count / top, 1)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{text_y}" text-anchor="end" fill="{INK}">'
            f"{_label(label)}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 4}" y="{text_y}" fill="{INK}">{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _narrow_chart(rows: list[tuple[str, int]], *, title: str, ident: str, description: str) -> str:
    """Labels above bars in a 320-unit viewBox with no width: the page's CSS scales it."""
    top = max((count for _label_text, count in rows), default=0) or 1
    bar_space = NARROW_WIDTH - NARROW_VALUE_WIDTH
    row_height = NARROW_FONT + 4 + NARROW_BAR_HEIGHT + GAP
    height = max(len(rows), 1) * row_height + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {NARROW_WIDTH} {height}" '
        f'font-family="DejaVu Sans, sans-serif" font-size="{NARROW_FONT}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" class="chart">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]
    for index, (label, count) in enumerate(rows):
        y = GAP + index * row_height
        bar_y = y + NARROW_FONT + 4
        width = round(bar_space * count / top, 1)
        text = label or "—"
        if len(text) > NARROW_LABEL_CHARS:
            text = text[: NARROW_LABEL_CHARS - 1] + "…"
        parts.append(
            f'<text x="0" y="{y + NARROW_FONT}" fill="{INK}">{escape(text)}</text>'
            f'<rect x="0" y="{bar_y}" width="{width}" height="{NARROW_BAR_HEIGHT}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{width + 4}" y="{bar_y + NARROW_BAR_HEIGHT - 1}" fill="{INK}">'
            f"{count}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def data_uri(svg: str) -> str:
    """The SVG as a ``data:`` URI for an ``<img>`` (which carries the alt text)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
