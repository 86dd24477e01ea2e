/* Small behaviours of every page: the 打印 button prints the page (the print stylesheet keeps
 * the content alone on A4). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // A list opened to be printed (?print=1) opens the print dialog once drawn.
  if (document.querySelector("[data-autoprint]")) {
    window.addEventListener("load", function () { window.print(); });
  }
})();
