/* Sortable tables for the knowledge base, shipped with the site (no CDN, no dependency).
   Every table in the page content gets clickable column headings: the first click sorts
   ascending, the next descending. Numbers, ISO dates and durations like "2 d 3 h" or
   "1 h 5 min" sort by value; everything else alphabetically. Without JavaScript the tables
   keep the order they were generated in. */
(function () {
  "use strict";
  var UNITS = { d: 1440, h: 60, min: 1 };
  var DURATION = /^(?:ongoing, )?((?:\d+ (?:d|h|min)\s*)+)(?:so far)?$/;

  function key(text) {
    text = text.trim();
    var match = DURATION.exec(text);
    if (match) {
      var minutes = 0;
      match[1].replace(/(\d+) (d|h|min)/g, function (_, n, unit) { minutes += Number(n) * UNITS[unit]; });
      return { n: minutes };
    }
    if (/^-?\d+(?:\.\d+)?(?: %)?$/.test(text)) return { n: parseFloat(text) };
    return { s: text.toLowerCase() };
  }

  function compare(a, b) {
    if ("n" in a && "n" in b) return a.n - b.n;
    if ("n" in a) return -1;
    if ("n" in b) return 1;
    return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  }

  function sortable(table) {
    if (table.dataset.sortable || !table.tHead || !table.tBodies.length) return;
    table.dataset.sortable = "yes";
    var headings = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headings, function (th, column) {
      th.setAttribute("aria-sort", "none");
      th.tabIndex = 0;
      th.title = "Sort by this column";
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headings, function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
          return { row: row, index: index, key: key(row.cells[column] ? row.cells[column].textContent : "") };
        });
        rows.sort(function (a, b) {
          return (ascending ? compare(a.key, b.key) : compare(b.key, a.key)) || a.index - b.index;
        });
        rows.forEach(function (entry) { body.appendChild(entry.row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }

  function setup() {
    document.querySelectorAll("article table").forEach(sortable);
  }

  /* Material's instant navigation swaps pages without a reload and announces each one. */
  if (typeof document$ !== "undefined") document$.subscribe(setup);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
