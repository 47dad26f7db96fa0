// Progress of the invitation mails: sends the next batch and updates the bar until nothing waits.
// Without JavaScript the page works with its button; this only saves the clicks.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress]");
  if (!box) { return; }
  var form = box.querySelector("[data-send-form]");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");

  function show(status) {
    bar.max = status.total;
    bar.value = status.sent + status.failed;
    text.textContent = text.dataset.template.replace("SENT", status.sent).replace("TOTAL", status.total)
      .replace("PENDING", status.pending).replace("FAILED", status.failed);
    if (status.done && form) { form.hidden = true; }
  }

  var progressed = -1;
  var stalls = 0;

  function step() {
    if (!form) { return; }
    fetch(form.action, {method: "POST", body: new FormData(form), headers: {"Accept": "application/json"},
                        credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (status) {
        show(status);
        var now = status.sent + status.failed;
        // older mails of the outbox go first; stop after a few rounds without progress for this batch
        // (its mails then wait for a retry later): the button stays
        stalls = now > progressed ? 0 : stalls + 1;
        progressed = now;
        if (!status.done && stalls < 3) { window.setTimeout(step, 500); }
      })
      .catch(function () { /* the button still works */ });
  }

  if (form) { window.setTimeout(step, 300); }
}());
