/* Confirmations (issue 18 point 7): bulk, money and irreversible actions ask first, naming the
   count and the amount. A button with data-confirm asks its own sentence (rendered by the server);
   the inbox's bulk button counts the ticked documents and adds up their amounts. */
(function () {
  "use strict";
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? values[key] : m; });
  }
  function money(n) {
    var fixed = Math.round(n * 100) / 100;
    return String(fixed % 1 === 0 ? fixed.toFixed(0) : fixed.toFixed(2));
  }
  var bulk = document.getElementById("bulk-form");
  function ticked() { return Array.prototype.slice.call(document.querySelectorAll('input[type=checkbox][name=doc]:checked')); }
  function showCount() {
    var out = document.querySelector("[data-selected-count]");
    if (out) out.textContent = fill(out.dataset.template || "{n}", { n: ticked().length });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[name=doc], [data-select-all]")) setTimeout(showCount, 0);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (!button) return;
    if (button.hasAttribute("data-bulk-submit") && bulk) {
      var boxes = ticked();
      if (!boxes.length) {
        event.preventDefault();
        window.alert(bulk.dataset.nothing || "");
        return;
      }
      var sum = boxes.reduce(function (total, box) { return total + (Number(box.dataset.amount) || 0); }, 0);
      var select = bulk.querySelector("select[name=bulk_action]");
      var action = select ? select.options[select.selectedIndex].text : "";
      if (!window.confirm(fill(bulk.dataset.confirmBulk || "", { n: boxes.length, amount: money(sum), action: action }))) {
        event.preventDefault();
      }
      return;
    }
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) event.preventDefault();
  }, true);
})();
