// Small behaviours without inline handlers (the Content-Security-Policy allows no inline script).
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  var closer = target.closest("[data-close-modal]");
  if (closer) {
    event.preventDefault();
    var modal = document.getElementById(closer.getAttribute("data-close-modal"));
    if (modal) modal.innerHTML = "";
    return;
  }
  var all = target.closest("[data-select-all]");
  if (all) {
    document.querySelectorAll('input[name="' + all.getAttribute("data-select-all") + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  }
});

// A message that must be read first (e.g. the settings' error summary) takes the focus and
// comes into view when the page opens.
document.addEventListener("DOMContentLoaded", function () {
  var first = document.querySelector("[data-focus-on-load]");
  if (first) {
    first.focus();
    first.scrollIntoView({ block: "start" });
  }
});

// A form in a modal that says so (data-close-modal-after="<id>") closes it once its htmx
// request has been answered; Escape closes any open modal.
document.addEventListener("htmx:afterRequest", function (event) {
  var source = event.detail && event.detail.elt instanceof Element ? event.detail.elt : null;
  var form = source ? source.closest("[data-close-modal-after]") : null;
  if (!form) return;
  var modal = document.getElementById(form.getAttribute("data-close-modal-after"));
  if (modal) modal.innerHTML = "";
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  document.querySelectorAll("[data-close-modal]").forEach(function (closer) {
    var modal = document.getElementById(closer.getAttribute("data-close-modal"));
    if (modal) modal.innerHTML = "";
  });
});
