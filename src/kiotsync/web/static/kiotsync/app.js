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
