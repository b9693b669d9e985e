// The hall's display board: asks its JSON endpoint every POLL_MS and rewrites the numbers,
// so a call shows within two seconds. Only text is written (textContent), never markup.
(function () {
  "use strict";
  var POLL_MS = 1500;
  var body = document.body;
  var url = body.getAttribute("data-url");
  if (!url) {
    return;
  }

  function part(name) {
    return document.querySelector('[data-board="' + name + '"]');
  }

  function cell(text, className) {
    var td = document.createElement("td");
    td.className = className;
    td.textContent = text;
    return td;
  }

  function row(window) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-letter", window.letter);
    if (window.minority) {
      tr.className = "board-minority";
    }
    var th = document.createElement("th");
    th.scope = "row";
    var letter = document.createElement("span");
    letter.className = "board-letter";
    letter.textContent = window.letter;
    var name = document.createElement("span");
    name.className = "board-name";
    name.textContent = window.name;
    th.appendChild(letter);
    th.appendChild(document.createTextNode(" "));
    th.appendChild(name);
    if (window.minority) {
      var tag = document.createElement("span");
      tag.className = "board-tag";
      tag.textContent = "少数民族服务窗口 · " + window.languages.join("、");
      th.appendChild(tag);
    }
    var serving = cell(window.serving || "—", "board-serving");
    serving.setAttribute("data-field", "serving");
    var waiting = cell(String(window.waiting), "board-waiting");
    waiting.setAttribute("data-field", "waiting");
    tr.appendChild(th);
    tr.appendChild(serving);
    tr.appendChild(waiting);
    return tr;
  }

  function render(data) {
    var tbody = part("windows");
    var before = {};
    tbody.querySelectorAll("tr[data-letter]").forEach(function (tr) {
      var serving = tr.querySelector('[data-field="serving"]');
      before[tr.getAttribute("data-letter")] = serving ? serving.textContent : "";
    });
    var rows = data.windows.map(row);
    tbody.replaceChildren.apply(tbody, rows);
    rows.forEach(function (tr) {
      var letter = tr.getAttribute("data-letter");
      var now = tr.querySelector('[data-field="serving"]').textContent;
      if (letter in before && before[letter] !== now) {
        tr.classList.add("board-flash");
      }
    });
    part("waiting").textContent = String(data.waiting);
    part("updated").textContent = data.updated;
    part("offline").hidden = true;
  }

  function poll() {
    fetch(url, { cache: "no-store", credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(render)
      .catch(function () {
        part("offline").hidden = false;
      })
      .finally(function () {
        window.setTimeout(poll, POLL_MS);
      });
  }

  window.setTimeout(poll, POLL_MS);
})();
