// Report pages and the dashboard: sortable report tables and frappe-charts drawn from the JSON
// the page embeds (<script type="application/json">), so no inline script is needed (CSP).
(function () {
  "use strict";

  function chartData(el) {
    var source = document.getElementById(el.getAttribute("data-chart-source"));
    if (!source) return null;
    var data = JSON.parse(source.textContent || "null");
    var index = el.getAttribute("data-chart-index");
    return index === null ? data : data[Number(index)];
  }

  function draw(el) {
    var spec = chartData(el);
    if (!spec || !window.frappe || !window.frappe.Chart) return;
    var data = { labels: spec.data.labels, datasets: spec.data.datasets };
    if (spec.yMarkers) data.yMarkers = spec.yMarkers;
    try {
      new window.frappe.Chart(el, {
        data: data,
        type: spec.type === "line" && data.labels.length < 2 ? "bar" : spec.type || "bar",
        height: 260,
        colors: ["#2563eb", "#db2777", "#059669", "#d97706"],
        axisOptions: { xIsSeries: spec.type === "line" },
        barOptions: { spaceRatio: 0.4 },
      });
      el.setAttribute("data-drawn", "1");
    } catch (err) {
      el.textContent = String(err);
    }
  }

  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var numeric = /^(Int|Float|Currency|Percent|Check)$/.test(th.getAttribute("data-type") || "");
    var descending = th.getAttribute("aria-sort") !== "descending";
    rows.sort(function (a, b) {
      var x = a.cells[index] ? a.cells[index].getAttribute("data-value") : "";
      var y = b.cells[index] ? b.cells[index].getAttribute("data-value") : "";
      var order;
      if (numeric) {
        var nx = x === "" || x === "None" ? -Infinity : Number(x);
        var ny = y === "" || y === "None" ? -Infinity : Number(y);
        order = nx === ny ? 0 : nx < ny ? -1 : 1;
      } else {
        order = String(x).localeCompare(String(y), "zh-CN");
      }
      return descending ? -order : order;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    rows.forEach(function (row) { body.appendChild(row); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".report-chart"), draw);
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        var button = th.querySelector("button.sort");
        if (button) button.addEventListener("click", function () { sortBy(table, index, th); });
      });
    });
  });
})();
