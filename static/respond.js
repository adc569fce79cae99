// Saves each answer on the server as soon as it is given. The page also works without this
// script: every button posts the whole page. "Saved" is shown only after the server confirmed.
(function () {
  "use strict";
  var form = document.querySelector("form.questionnaire");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-autosave-url");
  var token = form.querySelector("input[name=csrf_token]").value;
  var timers = {};

  function setStatus(fieldset, text, state) {
    var status = fieldset.querySelector(".save-status");
    status.textContent = text;
    status.className = "save-status" + (state ? " " + state : "");
  }

  function showProgress(answered, required) {
    var text = document.getElementById("progress-text");
    var bar = document.querySelector(".progress-block progress");
    if (!text || !bar || answered === undefined) { return; }
    text.textContent = text.textContent.replace(/\d+ of \d+ questions answered/,
      answered + " of " + required + " questions answered");
    bar.value = answered;
  }

  function currentValue(fieldset) {
    var text = fieldset.querySelector("textarea");
    if (text) { return text.value; }
    var checked = fieldset.querySelector("input[type=radio]:checked");
    return checked ? checked.value : null;
  }

  function showServerValue(fieldset, value) {
    var text = fieldset.querySelector("textarea");
    if (text) { text.value = value === null ? "" : value; return; }
    fieldset.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.checked = value !== null && radio.value === String(value);
    });
  }

  function save(fieldset, attempt) {
    var versionInput = fieldset.querySelector("input[data-version]");
    var version = versionInput.value ? parseInt(versionInput.value, 10) : null;
    setStatus(fieldset, "Saving…", "");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ item: fieldset.getAttribute("data-item"), value: currentValue(fieldset), version: version })
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      if (result.status === 200 && result.body.saved) {
        versionInput.value = result.body.version;
        setStatus(fieldset, "Saved", "saved");
        showProgress(result.body.answered, result.body.required);
      } else if (result.status === 409 && result.body.version !== undefined) {
        versionInput.value = result.body.version === null ? "" : result.body.version;
        showServerValue(fieldset, result.body.value);
        setStatus(fieldset, "Changed in another window: the newer answer is shown. Choose again if needed.", "failed");
      } else {
        setStatus(fieldset, (result.body.detail || "Not saved.") + " Use a button below to save this page.", "failed");
      }
    }).catch(function () {
      if (attempt < 3) {
        setStatus(fieldset, "Not saved yet, retrying…", "failed");
        setTimeout(function () { save(fieldset, attempt + 1); }, 1000 * (attempt + 1));
      } else {
        setStatus(fieldset, "Not saved: the connection failed. Use a button below to save this page.", "failed");
      }
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-item]");
    if (fieldset) { clearTimeout(timers[fieldset.id]); save(fieldset, 0); }
  });
  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("fieldset[data-item]");
    if (fieldset && event.target.tagName === "TEXTAREA") {
      clearTimeout(timers[fieldset.id]);
      timers[fieldset.id] = setTimeout(function () { save(fieldset, 0); }, 1200);
    }
  });

  // An answer given while this script was still loading raised no event we could hear:
  // compare every control with what the server rendered, and save the ones that differ.
  function changedBeforeLoad(fieldset) {
    var text = fieldset.querySelector("textarea");
    if (text) { return text.value !== text.defaultValue; }
    return Array.prototype.some.call(fieldset.querySelectorAll("input[type=radio]"),
      function (radio) { return radio.checked !== radio.defaultChecked; });
  }
  form.querySelectorAll("fieldset[data-item]").forEach(function (fieldset) {
    if (changedBeforeLoad(fieldset)) { save(fieldset, 0); }
  });
  form.setAttribute("data-autosave", "ready");
}());
