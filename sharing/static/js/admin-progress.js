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

  function step() {
    if (!form) { return; }
    fetch(form.action, {method: "POST", body: new FormData(form), headers: {"Accept": "application/json"},
                        credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (status) {
        show(status);
        if (!status.done) { window.setTimeout(step, 500); }
      })
      .catch(function () { /* the button still works */ });
  }

  if (form) { window.setTimeout(step, 300); }
}());
