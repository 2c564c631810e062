// 数据导入 Data Import: while the import runs, poll its status and move the progress bar;
// reload the page once it has finished (to show the counts and the failed rows).
(function () {
  var card = document.querySelector("[data-progress-card]");
  if (!card || card.getAttribute("data-finished") === "1") return;
  var url = card.getAttribute("data-status-url");
  function set(sel, value) {
    var el = card.querySelector(sel);
    if (el) el.textContent = value;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var job = data.message;
        card.querySelector(".progress-bar").style.width = job.percent + "%";
        card.querySelector(".progress").setAttribute("aria-valuenow", job.percent);
        set("[data-percent]", job.percent);
        set("[data-done]", job.done);
        set("[data-total]", job.total);
        ["inserted", "updated", "skipped", "failed"].forEach(function (k) { set("[data-count='" + k + "']", job[k]); });
        if (job.finished) { window.location.reload(); } else { setTimeout(poll, 700); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
