/*
 * Selects narrowed by the select above them (core.widgets.NarrowedSelect): 网格 → 楼栋 → 单元.
 *
 * A child <select data-narrow-by="grid"> offers only the options whose data-narrow-parent
 * is the value chosen in the form's "grid" select (same form prefix). With the parent left
 * empty it offers the children of every option the parent offers, so an empty 楼栋 under a
 * chosen grid offers that grid's units, and nothing chosen anywhere offers everything.
 * Choosing a child first fills in the empty selects above it (a unit → its building and grid).
 * The options come from the server as they were rendered (already scoped and in their
 * order); this script only hides and restores them, by taking them out of the list —
 * hidden <option>s still show on some phones.
 */
(function () {
  "use strict";

  const all = new WeakMap(); // child select → every option it was rendered with

  function parentOf(select) {
    const prefix = select.name.slice(0, select.name.lastIndexOf("-") + 1);
    const root = select.form || document;
    return root.querySelector('select[name="' + CSS.escape(prefix + select.dataset.narrowBy) + '"]');
  }

  function childrenOf(select) {
    const root = select.form || document;
    return Array.from(root.querySelectorAll("select[data-narrow-by]")).filter(function (child) {
      return parentOf(child) === select;
    });
  }

  function offered(select) {
    const values = new Set();
    for (const option of select.options) {
      if (option.value) values.add(option.value);
    }
    return values;
  }

  function narrow(child) {
    const parent = parentOf(child);
    if (!parent) return;
    if (!all.has(child)) all.set(child, Array.from(child.options));
    const allowed = parent.value ? new Set([parent.value]) : offered(parent);
    const kept = child.value;
    const shown = all.get(child).filter(function (option) {
      return option.value === "" || allowed.has(option.dataset.narrowParent);
    });
    child.replaceChildren.apply(child, shown);
    child.value = shown.some(function (option) {
      return option.value === kept;
    })
      ? kept
      : "";
    childrenOf(child).forEach(narrow);
  }

  // A unit chosen with the building still empty: the building (and its grid) are the unit's.
  function fillUp(child) {
    const parent = parentOf(child);
    const option = child.selectedOptions[0];
    if (!parent || parent.value || !child.value || !option || !option.dataset.narrowParent) return;
    parent.value = option.dataset.narrowParent;
    if (parent.value && parent.matches("[data-narrow-by]")) fillUp(parent);
  }

  function start(root) {
    root.querySelectorAll("select[data-narrow-by]").forEach(function (child) {
      const parent = parentOf(child);
      // Start from the top of each chain; narrow() walks down it.
      if (parent && !parent.matches("[data-narrow-by]")) narrow(child);
    });
  }

  document.addEventListener("change", function (event) {
    const select = event.target;
    if (!select.matches || !select.matches("select")) return;
    if (select.matches("[data-narrow-by]") && parentOf(select) && !parentOf(select).value) {
      fillUp(select);
      start(select.form || document); // narrow again from the top, keeping what now fits
    } else {
      childrenOf(select).forEach(narrow);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      start(document);
    });
  } else {
    start(document);
  }
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) start(event.target);
  });
})();
