/* A list's selection for 批量修改 / 批量删除: ticking rows, the page's tick, and "select all N
 * matching" once the whole page is ticked. The list's results are swapped in by htmx when a
 * filter changes, so the handlers listen on the document. Texts come from the form's data-
 * attributes (translated in the template). Without this script the form still posts the ticked
 * rows. */
(function () {
  "use strict";

  function update(form) {
    var rows = form.ownerDocument.querySelectorAll("[data-bulk-row]");
    var ticked = 0;
    rows.forEach(function (row) { if (row.checked) { ticked += 1; } });
    var total = parseInt(form.dataset.total, 10) || 0;
    var all = form.querySelector("[data-bulk-all]");
    var wrap = form.querySelector("[data-bulk-all-wrap]");
    var page = document.querySelector("[data-bulk-page]");
    var whole = rows.length > 0 && ticked === rows.length;
    if (page) { page.checked = whole; page.indeterminate = ticked > 0 && !whole; }
    if (wrap) { wrap.hidden = !(whole && total > rows.length); }
    if (all && (!whole || total <= rows.length)) { all.checked = false; }
    var every = all && all.checked;
    var count = every ? total : ticked;
    // Beyond the list's counting cap the total reads "10000+": shown as the list shows it.
    var shown = every ? (form.dataset.totalLabel || String(total)) : String(ticked);
    var template = every ? form.dataset.textAll : form.dataset.textSome;
    form.querySelector("[data-bulk-count]").textContent = template.replace("{n}", shown);
    form.querySelectorAll("[data-bulk-button]").forEach(function (button) {
      button.disabled = count === 0;
    });
  }

  document.addEventListener("change", function (event) {
    var form = document.getElementById("bulk-form");
    if (!form) { return; }
    var target = event.target;
    if (target.matches("[data-bulk-page]")) {
      document.querySelectorAll("[data-bulk-row]").forEach(function (row) {
        row.checked = target.checked;
      });
    }
    if (target.matches("[data-bulk-page], [data-bulk-row], [data-bulk-all]")) { update(form); }
  });

  function start() {
    var form = document.getElementById("bulk-form");
    if (form) { update(form); }
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSwap", start);
  if (document.readyState !== "loading") { start(); }
})();
