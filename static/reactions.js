// The story page works without this file. With it, clapping, favoriting and bookmarking keep
// the reader where they are: the form is sent as it would be, and the counts and buttons of
// the page it leads back to take the place of these. A refused action is sent again the plain
// way, so its page says why.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) return;
  var quick = /\/(clap|favorite|unfavorite|bookmark|unbookmark)$/;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var box = form.closest && form.closest("#reactions");
    if (!box || !quick.test(form.getAttribute("action"))) return;
    event.preventDefault();
    var forms = Array.prototype.slice.call(box.querySelectorAll("form"));
    var position = forms.indexOf(form);
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin"
    })
      .then(function (response) {
        if (!response.ok) throw new Error("refused");
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        ["counts", "reactions"].forEach(function (id) {
          var fresh = page.getElementById(id);
          var shown = document.getElementById(id);
          if (fresh && shown) shown.replaceWith(document.importNode(fresh, true));
        });
        var again = document.querySelectorAll("#reactions form button")[position];
        if (again) again.focus();
      })
      .catch(function () {
        button.disabled = false;
        form.submit();
      });
  });
})();
