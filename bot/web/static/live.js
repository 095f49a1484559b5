// delegate-bot dashboard: the few lines of script its pages need (MIT, part of delegate-bot).
// 1. A login form marked data-autosubmit is sent at once (a chat app's link preview, which
//    runs no script, never uses up a one-time link).
// 2. An element with data-live-source listens to that URL's server-sent events: each
//    "overview" event carries {key: value}; elements marked data-live="key" get the value as
//    their text, SVG rects marked data-live-width / data-live-x get it as width / x. When
//    the page's shape changes (a broadcast starts or ends), the page reloads.
"use strict";
(function () {
  function autosubmit() {
    var forms = document.querySelectorAll("form[data-autosubmit]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].submit();
    }
  }

  function apply(root, values) {
    var shape = root.getAttribute("data-shape");
    if (shape !== null && values.shape !== undefined && values.shape !== shape) {
      window.location.reload();
      return;
    }
    var texts = root.querySelectorAll("[data-live]");
    for (var i = 0; i < texts.length; i++) {
      var v = values[texts[i].getAttribute("data-live")];
      if (v !== undefined && texts[i].textContent !== v) {
        texts[i].textContent = v;
      }
    }
    var widths = root.querySelectorAll("[data-live-width]");
    for (var j = 0; j < widths.length; j++) {
      var w = values[widths[j].getAttribute("data-live-width")];
      if (w !== undefined) {
        widths[j].setAttribute("width", w);
      }
    }
    var xs = root.querySelectorAll("[data-live-x]");
    for (var k = 0; k < xs.length; k++) {
      var x = values[xs[k].getAttribute("data-live-x")];
      if (x !== undefined) {
        xs[k].setAttribute("x", x);
      }
    }
  }

  function listen() {
    var root = document.querySelector("[data-live-source]");
    if (!root || !window.EventSource) {
      return;
    }
    var status = root.querySelector("[data-live-status]");
    var source = new EventSource(root.getAttribute("data-live-source"));
    source.addEventListener("overview", function (event) {
      apply(root, JSON.parse(event.data));
      root.setAttribute("data-live-events", String(Number(root.getAttribute("data-live-events") || 0) + 1));
    });
    source.onopen = function () { if (status) { status.classList.remove("off"); } };
    source.onerror = function () { if (status) { status.classList.add("off"); } };
  }

  // 3. A select marked data-count-url shows, in the element marked data-count, what that
  //    URL answers for the value chosen (the number of recipients of an audience).
  function counts() {
    var selects = document.querySelectorAll("select[data-count-url]");
    for (var i = 0; i < selects.length; i++) {
      (function (select) {
        var out = document.querySelector("[data-count]");
        var update = function () {
          var url = select.getAttribute("data-count-url") + "?audience=" + encodeURIComponent(select.value);
          fetch(url, {credentials: "same-origin"}).then(function (r) { return r.text(); })
            .then(function (text) { if (out) { out.textContent = text; } });
        };
        select.addEventListener("change", update);
        update();
      })(selects[i]);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit();
    listen();
    counts();
  });
})();
