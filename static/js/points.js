// Splitting a comment by selecting a passage (progressive enhancement).
//
// Without this script the points page splits by paragraph (checkboxes).  With it,
// the source text is shown (#point-source) cut into segments, each with the
// offsets the server gave it (data-start, data-end: Python string indexes into
// the text as stored, see feedback/points/passages.source_segments).  A selection
// is read segment by segment: inside a line, the characters before the boundary
// are counted as code points (as Python counts, not UTF-16 units); a line break
// (data-break, maybe "\r\n" stored but one character shown) counts as a whole.
// The offsets go into the form's start/end fields, and the server's
// points_split does the rest (it trims whitespace and checks everything).
// Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  var panel = document.getElementById("passage-split");
  var source = document.getElementById("point-source");
  if (!panel || !source) {
    return;
  }
  var form = panel.querySelector("form");
  var startField = form.querySelector("input[name=start]");
  var endField = form.querySelector("input[name=end]");
  var shown = document.getElementById("point-selection");
  var button = document.getElementById("point-selection-submit");
  var length = parseInt(source.dataset.length, 10);
  panel.hidden = false;

  function codePoints(text) {
    return Array.from(text).length;
  }

  function segmentOf(node) {
    var element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    var segment = element ? element.closest("[data-start]") : null;
    return segment && source.contains(segment) ? segment : null;
  }

  // The offset in the source text of a boundary point (node, offset) inside #point-source.
  function offsetOf(node, offset) {
    var segment = segmentOf(node);
    if (segment) {
      var start = parseInt(segment.dataset.start, 10);
      var end = parseInt(segment.dataset.end, 10);
      if (segment.hasAttribute("data-break")) {
        return offset > 0 ? end : start;
      }
      if (node.nodeType === Node.TEXT_NODE) {
        return start + codePoints(node.data.slice(0, offset));
      }
      return offset > 0 ? end : start; // the span itself: before or after its text
    }
    // The container: a boundary between segments.
    var next = node.childNodes[offset];
    return next && next.dataset ? parseInt(next.dataset.start, 10) : length;
  }

  function read() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return;
    }
    var range = selection.getRangeAt(0);
    if (!range.intersectsNode(source)) {
      return;
    }
    var whole = document.createRange();
    whole.selectNodeContents(source);
    // Clamp a selection that runs past the text to the text.
    if (range.compareBoundaryPoints(Range.START_TO_START, whole) < 0) {
      range = range.cloneRange();
      range.setStart(whole.startContainer, whole.startOffset);
    }
    if (range.compareBoundaryPoints(Range.END_TO_END, whole) > 0) {
      range = range.cloneRange();
      range.setEnd(whole.endContainer, whole.endOffset);
    }
    var start = offsetOf(range.startContainer, range.startOffset);
    var end = offsetOf(range.endContainer, range.endOffset);
    if (!(start < end)) {
      return;
    }
    startField.value = String(start);
    endField.value = String(end);
    shown.textContent = range.toString();
    button.disabled = false;
  }

  source.addEventListener("mouseup", read);
  source.addEventListener("keyup", read);
  source.addEventListener("touchend", read);
  document.addEventListener("selectionchange", read);
})();
