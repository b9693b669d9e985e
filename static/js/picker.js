/*
 * The picker of core.widgets.PickerWidget (templates/core/widgets/picker.html).
 *
 * htmx posts the search box to the picker's URL as it is typed into; this script adds the
 * term (the box has no name, so the term is never sent with the surrounding form), puts a
 * chosen result into the hidden input, and handles the keys: Enter searches at once instead
 * of submitting the form, ↓/↑ move through the results, Esc closes them.
 * Events are delegated from the document, so pickers added later by htmx work too.
 */
(function () {
  "use strict";

  const FAILED = "查找失败，请稍后重试。";
  const REFUSED = "您的角色无权查找。";

  function pickerOf(element) {
    return element.closest("[data-picker]");
  }

  function part(picker, name) {
    return picker.querySelector("[data-picker-" + name + "]");
  }

  function options(picker) {
    return Array.from(part(picker, "results").querySelectorAll("[data-picker-option]"));
  }

  function closeResults(picker) {
    part(picker, "results").replaceChildren();
  }

  function say(picker, text) {
    const line = document.createElement("div");
    line.className = "list-group-item small text-danger";
    line.textContent = text;
    part(picker, "results").replaceChildren(line);
  }

  function choose(picker, value, label) {
    const hidden = part(picker, "value");
    hidden.value = value;
    part(picker, "chosen-label").textContent = label;
    part(picker, "chosen").hidden = !value;
    part(picker, "search").value = "";
    closeResults(picker);
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("htmx:configRequest", function (event) {
    const search = event.detail.elt;
    if (search.matches && search.matches("[data-picker-search]")) {
      event.detail.parameters.q = search.value;
    }
  });

  // A signed-out session answers with the login page (after a redirect): go there instead
  // of showing it inside the results.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const search = event.detail.elt;
    if (!search.matches || !search.matches("[data-picker-search]")) return;
    const xhr = event.detail.xhr;
    if (xhr.responseURL && new URL(xhr.responseURL).pathname !== event.detail.pathInfo.requestPath) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    const search = event.detail.elt;
    if (search.matches && search.matches("[data-picker-search]")) {
      say(pickerOf(search), event.detail.xhr.status === 403 ? REFUSED : FAILED);
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    const search = event.detail.elt;
    if (search.matches && search.matches("[data-picker-search]")) {
      say(pickerOf(search), FAILED);
    }
  });

  document.addEventListener("click", function (event) {
    const option = event.target.closest("[data-picker-option]");
    if (option && pickerOf(option)) {
      event.preventDefault();
      const picker = pickerOf(option);
      choose(picker, option.dataset.value, option.dataset.label);
      part(picker, "clear").focus();
      return;
    }
    const clear = event.target.closest("[data-picker-clear]");
    if (clear && pickerOf(clear)) {
      const picker = pickerOf(clear);
      choose(picker, "", "");
      part(picker, "search").focus();
    }
  });

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (!target.closest) return;
    const picker = pickerOf(target);
    if (!picker) return;
    const search = part(picker, "search");
    const found = options(picker);
    if (target === search) {
      if (event.key === "Enter") {
        event.preventDefault(); // searching, not submitting the form
        window.htmx.trigger(search, "picker:search");
      } else if (event.key === "ArrowDown" && found.length) {
        event.preventDefault();
        found[0].focus();
      } else if (event.key === "Escape") {
        closeResults(picker);
      }
      return;
    }
    const at = found.indexOf(target.closest("[data-picker-option]"));
    if (at < 0) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      found[Math.min(at + 1, found.length - 1)].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at === 0 ? search : found[at - 1]).focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeResults(picker);
      search.focus();
    }
  });
})();
