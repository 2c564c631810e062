/* Date fields a person can type into: 2026/3/5, 2026-3-5, 20260305 and 2026年3月5日 are shown as
   2026-03-05 as soon as the field is left; a six-digit year or an impossible day is marked at once.
   The server reads the same forms (townflow.rules.cn_text.parse_typed_date) and checks again.
   The calendar button beside the text box keeps the browser's own date picker. */
(function () {
  "use strict";
  var FULL = "０１２３４５６７８９／－．";
  function halfWidth(text) {
    return text.replace(/[０-９／－．]/g, function (c) { return "0123456789/-."[FULL.indexOf(c)]; });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function parse(text) {
    var v = halfWidth(String(text || "").trim());
    if (!v) return "";
    var m = /^(\d{4})\s*[-\/.年]\s*(\d{1,2})\s*[-\/.月]\s*(\d{1,2})\s*日?$/.exec(v) || /^(\d{4})(\d{2})(\d{2})$/.exec(v);
    if (!m) return null;
    var y = +m[1], mo = +m[2], d = +m[3];
    if (y < 1900) return null;
    var dt = new Date(Date.UTC(y, mo - 1, d));
    if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
    return y + "-" + pad(mo) + "-" + pad(d);
  }
  window.townflowDates = { parse: parse };

  function holder(input) { return input.closest(".field") || input.closest("td"); }
  function mark(input, bad) {
    input.classList.toggle("date-bad", bad);
    input.setAttribute("aria-invalid", bad ? "true" : "false");
    var hint = holder(input) && holder(input).querySelector("[data-date-hint]");
    if (hint) hint.classList.toggle("field-error", bad);
  }
  function normalize(input) {
    var iso = parse(input.value);
    if (iso === null) { mark(input, true); return; }
    mark(input, false);
    if (iso !== input.value) {
      input.value = iso;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    var picker = input.parentElement.querySelector("[data-date-picker]");
    if (picker) picker.value = iso;
  }
  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.hasAttribute("data-date")) normalize(input);
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key === "Enter" && input instanceof HTMLInputElement && input.hasAttribute("data-date")) normalize(input);
  });
  document.addEventListener("change", function (event) {
    var picker = event.target;
    if (!(picker instanceof HTMLInputElement) || !picker.hasAttribute("data-date-picker")) return;
    var input = picker.parentElement.querySelector("[data-date]");
    if (input && picker.value) {
      input.value = picker.value;
      mark(input, false);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  // Before a form is sent: a date still typed in another form is sent as the ISO date.
  document.addEventListener("submit", function (event) {
    event.target.querySelectorAll && event.target.querySelectorAll("input[data-date]").forEach(function (input) {
      var iso = parse(input.value);
      if (iso) input.value = iso;
    });
  }, true);
})();
