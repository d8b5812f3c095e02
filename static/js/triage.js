// Keyboard shortcuts on the triage list and the decide page (progressive enhancement).
//
// Everything they do can be done with links, buttons and the form; the keys only
// move the focus, follow the row's own "Decide" link, tick its box or pick a
// decision in the form, and nothing is saved without a button.  The decision
// keys are read from the help list (templates/feedback/_shortcuts.html), so the
// list people read is the list that works.  Keys are ignored while typing in a
// field or with a modifier.  Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  var help = document.getElementById("shortcuts");
  if (!help) {
    return;
  }
  var statusKeys = {};
  help.querySelectorAll("[data-key][data-status]").forEach(function (item) {
    statusKeys[item.dataset.key] = item.dataset.status;
  });

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-comment]"));
  }

  function currentRow() {
    var active = document.activeElement;
    return active ? active.closest("tr[data-comment]") : null;
  }

  function focusRow(row) {
    if (!row) {
      return;
    }
    row.setAttribute("tabindex", "-1");
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    if (!list.length) {
      return;
    }
    var index = list.indexOf(currentRow());
    if (index === -1) {
      // Start at the row the page was anchored to (#c-<receipt>), else at an end.
      var anchored = location.hash ? document.getElementById(location.hash.slice(1)) : null;
      index = anchored && list.indexOf(anchored) !== -1 ? list.indexOf(anchored) - step : -1;
      if (index === -1 && step < 0) {
        index = list.length;
      }
    }
    focusRow(list[Math.min(Math.max(index + step, 0), list.length - 1)]);
  }

  function pickStatus(value) {
    // The decide page's radio buttons, or the triage bulk form's select.
    var radio = document.querySelector('input[type="radio"][name="status"][value="' + value + '"]');
    if (radio) {
      radio.checked = true;
      radio.focus();
      return;
    }
    var select = document.getElementById("bulk_status");
    if (select) {
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  // A text field or a select takes the keys; a radio button or a box does not (the
  // decision keys leave the focus on the radio they picked).
  var NOT_TYPED = /^(radio|checkbox|button|submit|reset)$/;

  function typing(target) {
    if (!target) {
      return false;
    }
    if (target.tagName === "INPUT") {
      return !NOT_TYPED.test(target.type);
    }
    return target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName);
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (typing(event.target)) {
      return;
    }
    var key = event.key;
    var row = currentRow();
    if (key === "j" || key === "k") {
      move(key === "j" ? 1 : -1);
    } else if ((key === "o" || (key === "Enter" && event.target === row)) && row) {
      var open = row.querySelector("a[data-open]");
      if (!open) {
        return;
      }
      open.click();
    } else if (key === "x" && row) {
      var box = row.querySelector('input[type="checkbox"]');
      if (!box) {
        return;
      }
      box.checked = !box.checked;
    } else if (key === "?") {
      help.open = !help.open;
      if (help.open) {
        help.querySelector("summary").focus();
      }
    } else if (Object.prototype.hasOwnProperty.call(statusKeys, key)) {
      pickStatus(statusKeys[key]);
    } else {
      return;
    }
    event.preventDefault();
  });
})();
