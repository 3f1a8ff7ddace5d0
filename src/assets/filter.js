/* filter.js: the filter box of docserve's directory listings (src/dirlist.c
 * loads it with <script src="/.docserve/filter.js" defer>).
 *
 * The box is made here, so with scripts off there is no box that does
 * nothing.  Typing narrows the rows in place (no request): a row stays when
 * its name holds every word typed, case-insensitively; "../" always stays.
 * "/" focuses the box, Escape empties it.  The count of shown rows is
 * announced politely to screen readers.  Styles are set from here, so the
 * listing's HTML grows by the script element alone. */
(function () {
  "use strict";
  var table = document.querySelector("main > table");
  if (!table || !table.tBodies.length) {
    return;
  }
  var rows = Array.prototype.filter.call(table.tBodies[0].rows, function (r) {
    var a = r.cells.length ? r.cells[0].querySelector("a") : null;
    return a !== null && a.getAttribute("href") !== "../";
  });
  var names = rows.map(function (r) {
    return r.cells[0].textContent.toLowerCase();
  });

  var bar = document.createElement("p");
  bar.className = "filter";
  bar.style.cssText = "margin:0 0 .75em;display:flex;gap:.75em;align-items:baseline;flex-wrap:wrap";
  var box = document.createElement("input");
  box.type = "search";
  box.placeholder = "Filter names (press /)";
  box.setAttribute("aria-label", "Filter the names in this listing");
  box.autocomplete = "off";
  box.spellcheck = false;
  box.style.cssText = "font:inherit;padding:.3em .5em;flex:0 1 22em;min-width:10em";
  var count = document.createElement("span");
  count.setAttribute("aria-live", "polite");
  count.style.cssText = "color:var(--muted);font-size:.9em";
  bar.appendChild(box);
  bar.appendChild(count);
  table.parentNode.insertBefore(bar, table);

  function update() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var name = names[i];
      var keep = words.every(function (w) {
        return name.indexOf(w) !== -1;
      });
      rows[i].hidden = !keep;
      if (keep) {
        shown++;
      }
    }
    count.textContent = words.length
      ? shown + " of " + rows.length + " shown"
      : rows.length + (rows.length === 1 ? " entry" : " entries");
  }

  box.addEventListener("input", update);
  box.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      box.value = "";
      update();
      box.blur();
    }
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      box.focus();
      box.select();
    }
  });
  /* A value kept by the browser on "back" applies at once. */
  update();
})();
