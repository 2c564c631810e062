/* townflow pages: small behaviours every page shares. Plain JS, no build step, no inline code
   (the Content-Security-Policy allows scripts from this site only). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  window.townflow = { csrfToken: csrfToken };

  // Tabs inside a form: show one pane at a time.
  document.querySelectorAll(".tabs a[data-tab]").forEach(function (link) {
    if (!link.getAttribute("href") || link.getAttribute("href").charAt(0) !== "#") return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var nav = link.closest(".tabs");
      nav.querySelectorAll("a").forEach(function (a) { a.classList.toggle("active", a === link); });
      document.querySelectorAll(".tab-pane").forEach(function (pane) {
        pane.classList.toggle("active", pane.id === link.dataset.tab);
      });
    });
  });

  // Print button on certificates and notices.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Inbox: tick every document for the bulk action.
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('input[type=checkbox][name=doc]').forEach(function (c) { c.checked = box.checked; });
    });
  });

  // Workflow actions: a comment is required where the spec says so (the server checks again).
  document.querySelectorAll("form[data-action-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var needs = submitter && submitter.dataset.commentRequired === "1";
      var box = form.querySelector("[data-comment]");
      var msg = form.querySelector("[data-comment-msg]");
      if (needs && box && !box.value.trim()) {
        event.preventDefault();
        if (msg) msg.classList.add("show");
        box.focus();
      } else if (submitter) {
        submitter.disabled = false;
      }
    });
  });

  // Link fields: suggestions from /search/link (what this user may select).
  var timer = null;
  function closeSuggest() {
    document.querySelectorAll(".link-suggest").forEach(function (el) { el.remove(); });
  }
  function suggest(input) {
    var txt = input.value;
    var url = "/search/link?doctype=" + encodeURIComponent(input.dataset.link) + "&txt=" + encodeURIComponent(txt);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { message: [] }; })
      .then(function (data) {
        // A late answer must not reopen the list over a value just picked, or answer old text.
        if (input.dataset.picked === input.value || input.value !== txt) return;
        closeSuggest();
        var items = data.message || [];
        if (!items.length || document.activeElement !== input) return;
        var box = document.createElement("div");
        box.className = "link-suggest";
        items.forEach(function (item) {
          var row = document.createElement("div");
          row.setAttribute("data-value", item.value);
          var strong = document.createElement("span");
          strong.textContent = item.value;
          row.appendChild(strong);
          if (item.description && item.description !== item.value) {
            var d = document.createElement("span");
            d.className = "desc small";
            d.textContent = item.description;
            row.appendChild(d);
          }
          row.addEventListener("mousedown", function (event) {
            event.preventDefault();
            input.value = item.value;
            input.dataset.picked = item.value;
            setLinkTitle(input, item.description && item.description !== item.value ? item.description : "");
            closeSuggest();
            input.dispatchEvent(new Event("change", { bubbles: true }));
          });
          box.appendChild(row);
        });
        var rect = input.getBoundingClientRect();
        box.style.left = (rect.left + window.scrollX) + "px";
        box.style.top = (rect.bottom + window.scrollY + 2) + "px";
        box.style.width = Math.max(rect.width, 220) + "px";
        document.body.appendChild(box);
      })
      .catch(function () { closeSuggest(); });
  }
  // The chosen record's title beside a Link field (a household head's name beside HH-00001).
  function setLinkTitle(input, text) {
    var field = input.closest(".field");
    var span = field ? field.querySelector("[data-link-title]") : null;
    if (span) span.textContent = text;
  }
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.link) return;
    setLinkTitle(input, "");
    delete input.dataset.picked;
    clearTimeout(timer);
    timer = setTimeout(function () { suggest(input); }, 180);
  });
  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.dataset.link && !input.readOnly) {
      delete input.dataset.picked;
      suggest(input);
    }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target instanceof HTMLInputElement && event.target.dataset.link) setTimeout(closeSuggest, 150);
  });
})();
