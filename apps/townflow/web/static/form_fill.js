/* Forms fill what the system knows (issue 18 point 2):
   - 出生日期 and 性别 from an 18-digit ID number as it is typed (the server fills and checks
     again with townflow.rules.identity and refuses a contradiction);
   - the eligibility checklist of the chosen kind (/form-check: the spec's rules, ✓ / ✗ / 待填写,
     each in the rule's own words with its numbers), refreshed as the form changes;
   - a field a rule fixes to a policy value (一次性奖励 = 1000 元) is filled in and locked. */
(function () {
  "use strict";
  var form = document.getElementById("doc-form");
  if (!form) return;
  var lang = document.body.dataset.lang || "zh";
  var slug = form.dataset.doctype.toLowerCase().split(" ").join("-");
  function field(name) {
    var found = null;
    form.querySelectorAll('.field[data-fieldname="' + name + '"]').forEach(function (el) {
      if (!found && !el.parentElement.closest(".child-table")) found = el;
    });
    return found;
  }
  function input(name) {
    var el = field(name);
    return el ? el.querySelector('[name="' + name + '"]:not([type=hidden])') : null;
  }
  function note(el, text, key) {
    var p = el.querySelector('[data-fill-note="' + key + '"]');
    if (!p) {
      p = document.createElement("p");
      p.className = "desc small fill-note";
      p.setAttribute("data-fill-note", key);
      el.appendChild(p);
    }
    p.textContent = text;
  }

  // --- ID number -> 出生日期, 性别 ---------------------------------------------------------
  var idInput = input("id_number");
  function fromId() {
    var v = (idInput.value || "").trim().toUpperCase();
    if (!/^\d{17}[\dX]$/.test(v)) return;
    var y = +v.slice(6, 10), m = +v.slice(10, 12), d = +v.slice(12, 14);
    var dt = new Date(Date.UTC(y, m - 1, d));
    if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return;
    var iso = v.slice(6, 10) + "-" + v.slice(10, 12) + "-" + v.slice(12, 14);
    var gender = (+v.charAt(16)) % 2 ? "Male" : "Female";
    var dob = input("date_of_birth"), sex = input("gender"), changed = false;
    if (dob && dob.value !== iso && !dob.readOnly) { dob.value = iso; changed = true; }
    if (sex && sex.value !== gender && !sex.disabled) { sex.value = gender; changed = true; }
    if (changed) {
      note(field("id_number"), lang === "en" ? "Date of birth and gender filled from the ID number"
        : "已按身份证号填写出生日期和性别", "id");
      form.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  if (idInput) {
    idInput.addEventListener("input", fromId);
    idInput.addEventListener("change", fromId);
  }

  // --- eligibility checklist and fixed policy values ------------------------------------
  var collect = window.townflowCollect;
  var box = null, timer = null, anchor = null, asked = 0;
  function csrf() { return window.townflow ? window.townflow.csrfToken() : ""; }
  function render(data) {
    anchor = data.anchor;
    var holder = anchor ? field(anchor) : null;
    if (!holder) return;
    if (!box) {
      box = document.createElement("div");
      box.className = "eligibility card";
      box.setAttribute("data-eligibility", "");
      box.setAttribute("aria-live", "polite");
      holder.appendChild(box);
    }
    box.textContent = "";
    var head = document.createElement("strong");
    head.textContent = lang === "en" ? "Eligibility checklist" : "申请条件核对";
    box.appendChild(head);
    var list = document.createElement("ul");
    list.className = "plain";
    (data.items || []).forEach(function (item) {
      var li = document.createElement("li");
      var state = item.ok === true ? "ok" : item.ok === false ? "fail" : "unknown";
      li.className = "check-" + state;
      li.setAttribute("data-rule", item.rule);
      li.setAttribute("data-ok", state);
      var mark = document.createElement("span");
      mark.className = "check-mark";
      mark.textContent = state === "ok" ? "✓" : state === "fail" ? "✗" : "…";
      var text = document.createElement("span");
      text.textContent = item.message;
      li.appendChild(mark);
      li.appendChild(text);
      list.appendChild(li);
    });
    box.appendChild(list);
    box.hidden = !(data.items || []).length || !(input(anchor) && input(anchor).value);
    var refill = false;
    Object.keys(data.fixed || {}).forEach(function (name) {
      var el = input(name);
      if (!el) return;
      var value = String(data.fixed[name]);
      if (el.value === "" || Number(el.value) !== Number(value)) { el.value = value; refill = true; }
      el.readOnly = true;
      el.setAttribute("data-fixed", "1");
      note(field(name), lang === "en" ? "The policy amount; it cannot be changed" : "政策规定金额，不能修改", "fixed");
    });
    form.querySelectorAll("[data-fixed]").forEach(function (el) {
      if (!(el.name in (data.fixed || {}))) {
        el.removeAttribute("data-fixed");
        el.readOnly = false;
        var n = field(el.name) && field(el.name).querySelector('[data-fill-note="fixed"]');
        if (n) n.remove();
      }
    });
    if (refill) later();  // the checklist again, with the policy value in place
  }
  function check() {
    if (!collect) return;
    var doc = collect();
    var nameInput = form.getAttribute("action") || "";
    var m = /\/app\/[^/]+\/([^/?]+)$/.exec(nameInput);
    if (m && m[1] !== "new") doc.name = decodeURIComponent(m[1]);
    var mine = ++asked;
    fetch("/form-check/" + encodeURIComponent(slug), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-Frappe-CSRF-Token": csrf() },
      body: JSON.stringify({ doc: doc })
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && mine === asked) render(data.message || {}); })
      .catch(function () { /* the save checks the same rules */ });
  }
  function later() { clearTimeout(timer); timer = setTimeout(check, 250); }
  if (form.querySelector('.field:not(.is-readonly) [name]:not([type=hidden])')) {
    form.addEventListener("change", later);
    form.addEventListener("input", later);
    check();
  }
})();
