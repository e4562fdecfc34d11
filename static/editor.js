// The editor works without this file. With it, what the writer types is kept in this browser
// as they type, so a closed tab or a lost connection loses nothing: the form is filled again
// from it when the page comes back with what the server last saved.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-key]");
  if (!form || !window.localStorage) return;
  var key = "quill-draft:" + form.dataset.draftKey;
  var names = ["title", "description", "body", "tagList"];
  var field = function (name) { return form.elements.namedItem(name); };
  var values = function () {
    var kept = { saved: form.dataset.draftSaved };
    names.forEach(function (name) { kept[name] = field(name).value; });
    return kept;
  };
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(key)); } catch (e) { kept = null; }
  // Only over the version it was typed on: an older copy must not undo a save made elsewhere.
  if (kept && kept.saved === form.dataset.draftSaved) {
    var changed = names.some(function (name) { return field(name).value !== kept[name]; });
    if (changed) {
      names.forEach(function (name) { field(name).value = kept[name]; });
      var note = document.getElementById("draft-restored");
      if (note) note.hidden = false;
    }
  }
  form.addEventListener("input", function () {
    try { localStorage.setItem(key, JSON.stringify(values())); } catch (e) { /* storage full: the server copy stays */ }
  });
  form.addEventListener("submit", function (event) {
    var intent = event.submitter && event.submitter.value;
    if (intent !== "preview") localStorage.removeItem(key);
  });
})();
