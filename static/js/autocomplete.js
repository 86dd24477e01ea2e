// Search-as-you-type for a <select data-lookup-url> rendered by portal/lookup.py: the select
// holds only the chosen record(s) and stays in the form (it is what gets submitted); a search
// box beside it asks the lookup URL for matches. A change event on the select tells htmx
// filter forms to refresh the results. A <select multiple data-local-search> holds all its
// options (few of them): the same box searches them in the page and chips show the chosen.
(function () {
  "use strict";

  const DELAY_MS = 250;

  function enhance(select) {
    if (select.dataset.lookupReady) return;
    select.dataset.lookupReady = "1";
    const multiple = select.multiple;
    const local = !select.dataset.lookupUrl;
    const options = Array.from(select.options).filter((o) => o.value);
    const wrapper = document.createElement("div");
    wrapper.className = "lookup position-relative";
    const chips = document.createElement("div");
    chips.className = "lookup-chips d-flex flex-wrap gap-1 mb-1";
    const input = document.createElement("input");
    input.type = "search";
    input.className = "form-control" + (select.classList.contains("form-select-sm") ? " form-control-sm" : "");
    input.placeholder = select.dataset.placeholder || "";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    if (select.id) {
      input.id = select.id + "_search";
      const label = document.querySelector('label[for="' + select.id + '"]');
      if (label) label.htmlFor = input.id;
    }
    if (select.classList.contains("is-invalid")) input.classList.add("is-invalid");
    const list = document.createElement("div");
    list.className = "lookup-results list-group position-absolute w-100 shadow-sm";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    if (select.id) {
      list.id = select.id + "_results";
      input.setAttribute("aria-controls", list.id);
    }

    select.classList.add("d-none");
    select.parentNode.insertBefore(wrapper, select);
    if (multiple) wrapper.appendChild(chips);
    wrapper.appendChild(input);
    wrapper.appendChild(list);
    wrapper.appendChild(select);

    let timer = null;
    let active = -1;
    let request = 0;

    function chosen() {
      return Array.from(select.options).filter((o) => o.selected && o.value);
    }

    function showChosen() {
      if (multiple) {
        chips.replaceChildren(
          ...chosen().map((option) => {
            const chip = document.createElement("span");
            chip.className = "badge text-bg-light border d-inline-flex align-items-center gap-1";
            chip.textContent = option.text;
            const remove = document.createElement("button");
            remove.type = "button";
            remove.className = "btn-close btn-close-sm";
            remove.setAttribute("aria-label", (select.dataset.remove || "") + " " + option.text);
            remove.addEventListener("click", () => {
              if (local) option.selected = false;
              else option.remove();
              showChosen();
              changed();
            });
            chip.appendChild(remove);
            return chip;
          })
        );
      } else {
        const option = chosen()[0];
        input.value = option ? option.text : "";
      }
    }

    function changed() {
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function choose(id, text) {
      clearTimeout(timer); // a search still pending would reopen the list
      request++; // and an answer still on its way is stale
      if (multiple) {
        const known = Array.from(select.options).find((o) => o.value === String(id));
        if (known) known.selected = true;
        else select.add(new Option(text, id, true, true));
        input.value = "";
      } else {
        Array.from(select.options).forEach((o) => { if (o.value) o.remove(); });
        select.add(new Option(text, id, true, true));
      }
      showChosen();
      close();
      changed();
    }

    function clearSingle() {
      if (multiple || !chosen().length) return;
      select.value = "";
      Array.from(select.options).forEach((o) => { if (o.value) o.remove(); });
      changed();
    }

    function render(results) {
      list.replaceChildren();
      active = -1;
      if (!results.length) {
        const empty = document.createElement("div");
        empty.className = "list-group-item small text-muted";
        empty.textContent = select.dataset.empty || "";
        list.appendChild(empty);
      }
      results.forEach((result) => {
        const item = document.createElement("button");
        item.type = "button";
        item.className = "list-group-item list-group-item-action small";
        item.setAttribute("role", "option");
        item.textContent = result.text;
        item.dataset.id = result.id;
        item.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus
        item.addEventListener("click", () => choose(result.id, result.text));
        list.appendChild(item);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function search() {
      const mine = ++request;
      if (local) {
        const wanted = input.value.trim().toLowerCase();
        render(
          options
            .filter((o) => !o.selected && o.text.toLowerCase().includes(wanted))
            .slice(0, 50)
            .map((o) => ({ id: o.value, text: o.text }))
        );
        return;
      }
      const url = new URL(select.dataset.lookupUrl, window.location.href);
      url.searchParams.set("q", input.value.trim());
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((data) => { if (mine === request && document.activeElement === input) render(data.results); })
        .catch(() => {});
    }

    function move(step) {
      const items = list.querySelectorAll("[data-id]");
      if (!items.length) return;
      active = (active + step + items.length) % items.length;
      items.forEach((item, i) => item.classList.toggle("active", i === active));
      items[active].scrollIntoView({ block: "nearest" });
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      if (local) search(); // nothing to wait for: the options are in the page
      else timer = setTimeout(search, DELAY_MS);
    });
    input.addEventListener("focus", search);
    // the search box has no name: keep its own change events away from htmx filter forms
    input.addEventListener("change", (event) => event.stopPropagation());
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && !list.hidden) {
        event.preventDefault();
        const item = list.querySelectorAll("[data-id]")[active];
        if (item) item.click();
      }
    });
    input.addEventListener("blur", () => {
      close();
      if (multiple) {
        input.value = ""; // typed text that was not chosen is dropped
        return; // the chips stay as they are: re-drawing them would swallow a click on one
      }
      if (!input.value.trim()) clearSingle();
      showChosen(); // typed text that was not chosen goes back to the chosen record's name
    });
    showChosen();
  }

  function enhanceAll(root) {
    root.querySelectorAll("select[data-lookup-url], select[multiple][data-local-search]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", () => enhanceAll(document));
  document.addEventListener("htmx:load", (event) => enhanceAll(event.target));
})();
