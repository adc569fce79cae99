// The fact form keeps one value: choosing a band clears the typed number (or date), and
// typing a number clears the band. Without this script the server still keeps the field the
// person changed (the form sends the values it was filled with).
(function () {
  "use strict";
  var form = document.querySelector("form.fact-entry");
  if (!form) { return; }
  var typed = form.querySelector("input[name=number], input[name=date]");
  var bands = form.querySelectorAll("input[name=category]");
  var status = document.getElementById("value-status");
  if (!typed || !bands.length) { return; }
  var typedName = (form.querySelector("label[for=" + typed.id + "]") || {}).textContent || "value";

  function say(text) {
    if (status) { status.textContent = text; }
  }

  Array.prototype.forEach.call(bands, function (band) {
    band.addEventListener("change", function () {
      if (band.checked && typed.value !== "") {
        typed.value = "";
        say(typedName.trim() + " cleared: the band you chose counts.");
      }
    });
  });

  typed.addEventListener("input", function () {
    if (typed.value === "") { return; }
    var cleared = false;
    Array.prototype.forEach.call(bands, function (band) {
      if (band.checked) { band.checked = false; cleared = true; }
    });
    if (cleared) { say("Band cleared: the value you typed counts."); }
  });
}());
