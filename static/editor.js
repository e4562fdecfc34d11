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

// A live preview while the writer types, and images pasted or dropped into the text uploaded at
// once: both send the editor form as its own buttons do (Preview, Upload image) and take what
// they need from the page that comes back, so the server's renderer and upload rules decide.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-key]");
  if (!form || !window.fetch || !window.DOMParser || !window.FormData) return;
  var body = form.elements.namedItem("body");
  var send = function (intent, file) {
    var data = new FormData(form);
    data.set("intent", intent);
    if (file) data.set("file", file, file.name || "pasted-image");
    else data.delete("file");
    return fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
  };
  var place = function (selector, page, after) {
    var fresh = page.querySelector(selector);
    var shown = document.querySelector(selector);
    if (shown) shown.remove();
    if (fresh) after.after(document.importNode(fresh, true));
  };

  var waiting = null;
  var preview = function () {
    if (!document.querySelector(".editor .preview")) return;
    send("preview").then(function (page) {
      var section = page.querySelector(".editor .preview");
      var shown = document.querySelector(".editor .preview");
      if (section && shown) shown.replaceWith(document.importNode(section, true));
    }).catch(function () { /* the Preview button still works */ });
  };
  // Live once the writer has asked for a preview: until then, typing sends nothing.
  body.addEventListener("input", function () {
    clearTimeout(waiting);
    waiting = setTimeout(preview, 800);
  });

  var upload = function (file) {
    send("upload", file).then(function (page) {
      place(".editor .errors", page, document.querySelector(".editor h1"));
      var fresh = page.getElementById("body");
      // The server adds the image's Markdown as the text's last line.
      var added = fresh && fresh.value.trim().split("\n").pop();
      if (!added || !/^!\[\]\(.+\)$/.test(added)) return;
      var at = body.selectionEnd;
      var apart = at > 0 && body.value.charAt(at - 1) !== "\n" ? "\n" : "";
      body.setRangeText(apart + added + "\n", at, at, "end");
      body.dispatchEvent(new Event("input", { bubbles: true }));
    }).catch(function () { /* the Upload image button still works */ });
  };
  var images = function (list) {
    return Array.prototype.filter.call(list || [], function (file) {
      return /^image\//.test(file.type);
    });
  };
  body.addEventListener("paste", function (event) {
    var found = images(event.clipboardData && event.clipboardData.files);
    if (!found.length) return;
    event.preventDefault();
    found.forEach(upload);
  });
  body.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
      event.preventDefault();
    }
  });
  body.addEventListener("drop", function (event) {
    var found = images(event.dataTransfer && event.dataTransfer.files);
    if (!found.length) return;
    event.preventDefault();
    found.forEach(upload);
  });
})();
