// Progressive enhancement of the "Preview" buttons (comment, reply and edit forms).
//
// Without JavaScript a Preview button posts the form and the page comes back
// with the rendering under it (comments.views.body_preview).  With it, the
// same POST is sent in the background and the answer's #preview section is
// put after the form, so the page, the scroll position and the focus stay.
// Anything unexpected (a refused text, a network error) falls back to the
// plain submit.  Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  function plainSubmit(form, button) {
    button.dataset.plain = "1";
    form.requestSubmit(button);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest('button[name="preview"]');
    if (!button || !button.form || button.dataset.plain) {
      return;
    }
    event.preventDefault();
    var form = button.form;
    var data = new FormData(form);
    data.set("preview", "1");
    var url = button.getAttribute("formaction") || form.getAttribute("action") || "";
    button.setAttribute("aria-busy", "true");
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("preview");
        if (!fresh) {
          plainSubmit(form, button); // the server refused the text: show its messages
          return;
        }
        document.querySelectorAll("section.preview").forEach(function (old) {
          old.remove();
        });
        form.after(document.importNode(fresh, true));
      })
      .catch(function () {
        plainSubmit(form, button);
      })
      .finally(function () {
        button.removeAttribute("aria-busy");
      });
  });
})();
