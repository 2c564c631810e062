/* townflow forms: depends_on / mandatory_depends_on / read_only_depends_on applied live, child
   table rows added and removed, attachments uploaded. The rules come from
   /form-rules/<doctype>.js (compiled from the spec by townflow.expr); the server checks again. */
(function () {
  "use strict";
  var form = document.getElementById("doc-form");
  if (!form) return;
  var doctype = form.dataset.doctype;
  var rules = (window.TF_RULES || {})[doctype] || {};
  var frappeShim = window.TF_FRAPPE || { session: { user: "" }, user_roles: [], datetime: {} };
  var NUMERIC = { Int: 1, Float: 1, Currency: 1, Percent: 1, Check: 1, Rating: 1, Duration: 1 };

  function convert(type, raw) {
    if (raw === undefined || raw === null || raw === "") return type === "Check" ? 0 : null;
    if (NUMERIC[type]) { var n = Number(raw); return isNaN(n) ? null : n; }
    if (type === "Datetime") return String(raw).replace("T", " ");
    return raw;
  }

  function inputValue(container, name, type) {
    var inputs = container.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return undefined;
    if (type === "Check") {
      var box = container.querySelector('input[type=checkbox][name="' + name + '"]');
      return box && box.checked ? 1 : 0;
    }
    return convert(type, inputs[inputs.length - 1].value);
  }

  function rowsOf(wrapper, table) {
    var rows = [];
    wrapper.querySelectorAll("tbody tr[data-row]").forEach(function (tr) {
      var row = {};
      tr.querySelectorAll("td[data-fieldname]").forEach(function (td) {
        var input = td.querySelector("[name]");
        if (input) row[td.dataset.fieldname] = inputValue(td, input.getAttribute("name"), td.dataset.fieldtype);
        else row[td.dataset.fieldname] = convert(td.dataset.fieldtype, td.textContent.trim());
      });
      rows.push(row);
    });
    return rows;
  }

  function collectDoc() {
    var doc = { doctype: doctype };
    form.querySelectorAll(".field[data-fieldname]").forEach(function (w) {
      var name = w.dataset.fieldname, type = w.dataset.fieldtype;
      if (type === "Table" || type === "Table MultiSelect") { doc[name] = rowsOf(w, name); return; }
      if (w.hasAttribute("data-value")) { doc[name] = convert(type, w.getAttribute("data-value")); return; }
      var v = inputValue(w, name, type);
      doc[name] = v === undefined ? null : v;
    });
    return doc;
  }

  window.townflowCollect = collectDoc;

  function evaluate(fn, doc, parent, fallback) {
    try { return !!fn(doc, parent, frappeShim); } catch (e) { return fallback; }
  }

  function setReadOnly(el, readOnly) {
    el.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.type === "hidden") return;
      if (input.tagName === "SELECT" || input.type === "checkbox" || input.type === "file") input.disabled = readOnly;
      else input.readOnly = readOnly;
    });
    el.classList.toggle("is-readonly", readOnly);
  }

  function topLevel(name) {
    var found = [];
    form.querySelectorAll('.field[data-fieldname="' + name + '"], fieldset[data-fieldname="' + name + '"]').forEach(function (el) {
      if (!el.parentElement.closest(".child-table")) found.push(el);
    });
    return found;
  }

  function apply() {
    var doc = collectDoc();
    Object.keys(rules).forEach(function (key) {
      var fns = rules[key];
      var dot = key.indexOf(".");
      if (dot > 0) {
        var table = key.slice(0, dot), field = key.slice(dot + 1);
        var rows = doc[table] || [];
        form.querySelectorAll('.child-table[data-table="' + table + '"] tbody tr[data-row]').forEach(function (tr, i) {
          var td = tr.querySelector('td[data-fieldname="' + field + '"]');
          if (!td) return;
          if (fns.depends_on) td.classList.toggle("tf-cell-hidden", !evaluate(fns.depends_on, rows[i] || {}, doc, true));
          if (fns.read_only_depends_on) setReadOnly(td, evaluate(fns.read_only_depends_on, rows[i] || {}, doc, false));
        });
        return;
      }
      topLevel(key).forEach(function (el) {
        if (fns.depends_on) el.classList.toggle("tf-hidden", !evaluate(fns.depends_on, doc, null, true));
        if (fns.mandatory_depends_on) {
          el.classList.toggle("is-required", el.dataset.reqd === "1" || evaluate(fns.mandatory_depends_on, doc, null, false));
        }
        if (fns.read_only_depends_on && !el.hasAttribute("data-value")) {
          setReadOnly(el, evaluate(fns.read_only_depends_on, doc, null, false));
        }
      });
    });
  }

  // Child tables: add a row from the template, remove a row.
  form.addEventListener("click", function (event) {
    var target = event.target;
    if (target.matches("[data-add-row]")) {
      var wrap = target.closest(".child-table");
      var template = wrap.querySelector("template[data-row-template]");
      var index = Number(target.dataset.nextIndex || 0);
      target.dataset.nextIndex = String(index + 1);
      var html = template.innerHTML.split("__i__").join(String(index));
      var tbody = wrap.querySelector("tbody");
      var empty = tbody.querySelector(".empty-row");
      if (empty) empty.remove();
      tbody.insertAdjacentHTML("beforeend", html);
      apply();
    } else if (target.matches("[data-remove-row]")) {
      target.closest("tr").remove();
      apply();
    }
  });

  // Attachments: upload at once, keep the returned path in the hidden field.
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type === "file" && input.dataset.attachFor && input.files.length) {
      // Nothing is replaced silently: a field that already holds a file asks first.
      var had = input.parentElement.querySelector("[data-attach-value]");
      if (had && had.value && !window.confirm((input.dataset.replaceText || "") .replace("{name}", had.value.split("/").pop()))) {
        input.value = "";
        return;
      }
      var data = new FormData();
      data.append("file", input.files[0]);
      var holder = input.parentElement;
      fetch("/files/upload", {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-Frappe-CSRF-Token": window.townflow.csrfToken() }
      }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          if (!res.ok) throw new Error("upload");
          holder.querySelector("[data-attach-value]").value = res.body.message.file_url;
          holder.querySelector("[data-attach-name]").textContent = res.body.message.file_name;
          apply();
        })
        .catch(function () { holder.classList.add("has-error"); });
      return;
    }
    apply();
  });
  form.addEventListener("input", apply);

  // fetch_from: a Link chosen fills the fields fetched from it (and, one level on, from a Link
  // filled that way), as Frappe's form does; the server fetches again on save.
  var slug = doctype.toLowerCase().split(" ").join("-");
  function fetchFrom(fieldname, value, depth) {
    if (!value || depth > 2) return;
    var url = "/form-fetch/" + encodeURIComponent(slug) + "?field=" + encodeURIComponent(fieldname) +
      "&value=" + encodeURIComponent(value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { message: {} }; })
      .then(function (data) {
        var values = data.message || {};
        Object.keys(values).forEach(function (name) {
          var got = values[name], raw = got.value === null || got.value === undefined ? "" : String(got.value);
          topLevel(name).forEach(function (el) {
            if (el.hasAttribute("data-value")) {
              el.setAttribute("data-value", raw);
              var shown = el.querySelector(".value");
              if (shown) shown.textContent = got.display || "—";
              el.classList.toggle("ro-empty", raw === "");
            } else {
              var input = el.querySelector('[name="' + name + '"]:not([type=hidden])');
              if (input && !input.value) input.value = raw;
            }
            if (el.dataset.fieldtype === "Link" && raw) fetchFrom(name, raw, depth + 1);
          });
        });
        apply();
      })
      .catch(function () { /* the server fetches on save */ });
  }
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.dataset.link && !input.closest(".child-table")) {
      fetchFrom(input.name, input.value.trim(), 0);
    }
  });
  // A new form opened with a Link already given (/app/disbursement/new?subsidy_application=...).
  if (/\/new$/.test(form.getAttribute("action") || "")) {
    form.querySelectorAll("input[data-link]").forEach(function (input) {
      if (input.value && !input.closest(".child-table")) fetchFrom(input.name, input.value.trim(), 0);
    });
  }
  apply();
})();
