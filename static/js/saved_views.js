/* 保存当前筛选 posts the list's address as it is when the form is sent: the filters refresh the
 * results in place (htmx) and change the address, not the page the form was drawn with. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("[data-saved-view-form]")) {
      form.elements.query.value = window.location.search.replace(/^\?/, "");
    }
  });
})();
