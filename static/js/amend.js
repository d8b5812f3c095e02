// Proposing new wording by selecting a passage (issue 24; progressive enhancement).
//
// Without this script the paragraph page's "Propose new wording" form takes the
// passage pasted into "Text to replace" (name=amendment).  With it:
// - selecting words of the paragraph with the mouse or a finger (selectionchange)
//   fills "Text to replace" with them, whitespace folded;
// - the form shows the paragraph's plain text in a textarea (#amend-source): a
//   keyboard selects in it with Shift and the arrow keys, a touch screen with its
//   native handles, and "Use the selected text" copies the selection into "Text to
//   replace".  It is not ``readonly`` (Chromium moves no caret in a read-only
//   textarea, so the keys could not select): aria-readonly, inputmode="none" (no
//   on-screen keyboard) and this script refusing every edit keep its text as is;
// - "Propose a change" opens the form at that textarea instead of reloading.
// The server checks everything (comments.amendments.quote.locate): the passage
// must occur exactly once in the paragraph.  Loaded as a file: the CSP allows
// no inline script.
(function () {
  "use strict";

  var box = document.getElementById("amend-form");
  if (!box) {
    return;
  }
  var form = box.querySelector("[data-amend-form]");
  var tools = box.querySelector("[data-amend-tools]");
  var source = document.getElementById("amend-source");
  var quote = form ? form.querySelector("textarea[name=amendment]") : null;
  var useButton = box.querySelector("[data-amend-use]");
  var status = box.querySelector("[data-amend-status]");
  var paragraph = document.querySelector("[data-amend-paragraph]");
  var opener = document.querySelector("[data-amend-open]");
  if (!form || !quote || !source || !tools) {
    return;
  }
  tools.hidden = false;

  var original = source.value;
  source.addEventListener("beforeinput", function (event) {
    event.preventDefault();
  });
  source.addEventListener("input", function () {
    // An edit no beforeinput announced (some input methods): put the text back.
    var start = source.selectionStart;
    var end = source.selectionEnd;
    source.value = original;
    source.setSelectionRange(Math.min(start, end), Math.min(end, original.length));
  });

  function fold(text) {
    return text.replace(/\s+/g, " ").trim();
  }

  function fill(text) {
    var folded = fold(text);
    if (!folded) {
      return false;
    }
    quote.value = folded;
    if (status) {
      status.textContent = status.dataset.filled || "";
    }
    return true;
  }

  function open() {
    box.open = true;
  }

  // Keyboard and touch: the selection inside the read-only plain text.
  function useSourceSelection() {
    var start = source.selectionStart;
    var end = source.selectionEnd;
    if (start === end) {
      if (status) {
        status.textContent = status.dataset.empty || "";
      }
      source.focus();
      return;
    }
    fill(source.value.slice(start, end));
    quote.focus();
  }
  if (useButton) {
    useButton.addEventListener("click", useSourceSelection);
  }

  // Mouse and touch on the paragraph itself: whatever is selected inside it.
  var pending = null;
  function readParagraphSelection() {
    pending = null;
    var selection = window.getSelection();
    if (!paragraph || !selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return;
    }
    var range = selection.getRangeAt(0);
    if (!paragraph.contains(range.commonAncestorContainer)) {
      return;
    }
    if (fill(selection.toString())) {
      open();
    }
  }
  document.addEventListener("selectionchange", function () {
    // Touch handles move the selection in many small steps: read it once it rests.
    if (pending !== null) {
      window.clearTimeout(pending);
    }
    pending = window.setTimeout(readParagraphSelection, 150);
  });
  if (paragraph) {
    paragraph.addEventListener("mouseup", readParagraphSelection);
    paragraph.addEventListener("keyup", readParagraphSelection);
  }

  if (opener) {
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      open();
      // A selection already made in the paragraph is the passage.
      readParagraphSelection();
      source.focus();
      box.scrollIntoView({ block: "start" });
    });
  }
})();
