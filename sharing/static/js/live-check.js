// Check-as-you-type for the booking form: progressive enhancement, the form works without it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-check]");
  if (!form) { return; }
  var target = document.getElementById("live-availability");
  var timer = null;
  var latest = 0;
  function check() {
    // The check's own parameters (the booking being changed) stay; the form's fields are added.
    var url = new URL(form.getAttribute("data-live-check"), window.location.href);
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token") { url.searchParams.set(name, value); }
    });
    var ticket = ++latest;
    fetch(url.toString(), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (ticket === latest && html) { target.innerHTML = html; } })
      .catch(function () { /* offline: the server checks on submit anyway */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 150);
  });
})();
