/* No silent loss on a form (issue 18 point 1):
   - leaving a form with unsaved changes asks first (beforeunload);
   - a workflow action (提交, 审核通过, 退回, 添加评论, ...) pressed while the form has unsaved changes
     is sent together with the form: the server saves the changes and takes the action in one
     transaction (a refusal keeps both undone and shows the form with what was typed). */
(function () {
  "use strict";
  var form = document.getElementById("doc-form");
  if (!form) return;
  var dirty = false;
  var sending = false;
  var note = document.querySelector("[data-unsaved-note]");
  function markDirty(event) {
    if (event && event.target && event.target.closest && event.target.closest(".link-suggest")) return;
    if (!dirty) {
      dirty = true;
      form.classList.add("is-dirty");
      if (note && document.querySelector("form[data-action-form], form[data-submit-form]")) note.hidden = false;
    }
  }
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("click", function (event) {
    if (event.target.matches("[data-add-row], [data-remove-row]")) markDirty(event);
  });
  form.addEventListener("submit", function () { sending = true; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !sending) {
      event.preventDefault();
      event.returnValue = "";
      return "";
    }
  });
  window.townflowForm = { isDirty: function () { return dirty; } };

  // An action on a changed form: copy the action's inputs into the document form and send that.
  document.querySelectorAll("form[data-action-form], form[data-submit-form]").forEach(function (actionForm) {
    actionForm.addEventListener("submit", function (event) {
      if (!dirty || event.defaultPrevented) return;
      var submitter = event.submitter;
      event.preventDefault();
      form.querySelectorAll("input[data-then]").forEach(function (el) { el.remove(); });
      function carry(name, value) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "then_" + name;
        input.value = value;
        input.setAttribute("data-then", "1");
        form.appendChild(input);
      }
      actionForm.querySelectorAll("[name]").forEach(function (el) {
        if (el.name === "csrf_token" || el.name === "modified" || el.type === "submit") return;
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
        carry(el.name, el.value);
      });
      if (submitter && submitter.name) carry(submitter.name, submitter.value);
      sending = true;
      form.submit();
    }, false);
  });
})();
