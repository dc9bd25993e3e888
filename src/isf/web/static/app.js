// Progressive enhancement only: the forms work without this file.
(function () {
  "use strict";
  var lang = document.documentElement.lang === "en" ? "en" : "nb";

  function logicOf(input) {
    var form = input.form, sel = form && (form.querySelector("[name=logic]") || form.querySelector("[name=logic_a]"));
    return sel ? sel.value : "";
  }

  // Autocompletion: fill the input's <datalist> from /api/codes as the user types.
  var timers = new WeakMap();
  function suggest(input) {
    var q = input.value.trim();
    var list = document.getElementById(input.getAttribute("list"));
    if (!list || q.length < 1 || q.length > 12) return;
    var url = "/api/codes?q=" + encodeURIComponent(q) + "&kind=" + (input.dataset.kind || "dx") +
      "&logic=" + encodeURIComponent(logicOf(input)) + "&limit=30";
    fetch(url, { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { codes: [] }; })
      .then(function (data) {
        list.textContent = "";
        data.codes.forEach(function (c) {
          var o = document.createElement("option");
          o.value = c.code;
          if (c.label) o.label = c.code + " – " + c.label;
          list.appendChild(o);
        });
      })
      .catch(function () { /* offline: typing still works */ });
  }
  document.addEventListener("input", function (ev) {
    var el = ev.target;
    if (!(el instanceof HTMLInputElement) || !el.dataset.kind || !el.getAttribute("list")) return;
    clearTimeout(timers.get(el));
    timers.set(el, setTimeout(function () { suggest(el); }, 150));
  });

  // "Add row" buttons for diagnosis slots and procedures.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("[data-add]");
    if (!btn) return;
    var ol = document.getElementById(btn.dataset.add + "-slots");
    var max = parseInt(ol.dataset.max, 10);
    var n = ol.children.length;
    if (n >= max) { btn.disabled = true; return; }
    var li = ol.lastElementChild.cloneNode(true);
    var i = n + 1;
    li.querySelectorAll("input").forEach(function (inp) {
      inp.value = "";
      inp.removeAttribute("aria-invalid");
      inp.id = inp.id.replace(/\d+/, String(i));
      inp.name = inp.name.replace(/\d+/, String(i));
    });
    li.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
    li.querySelectorAll("label").forEach(function (lab) {
      lab.htmlFor = lab.htmlFor.replace(/\d+/, String(i));
      if (!lab.classList.contains("sub")) {
        var sub = lab.querySelector(".sub");
        var base = btn.dataset.add === "dx" ? (lang === "en" ? "Secondary diagnosis " : "Bidiagnose ") + (i - 1)
                                            : (lang === "en" ? "Procedure " : "Prosedyre ") + i;
        lab.textContent = base + " ";
        if (sub) lab.appendChild(sub);
      }
    });
    ol.appendChild(li);
    li.querySelector("input").focus();
    if (i >= max) btn.disabled = true;
  });

  // Move focus to the error summary after a failed submit, for keyboard and screen-reader users.
  var errs = document.getElementById("errors");
  if (errs) { errs.setAttribute("tabindex", "-1"); errs.focus(); }
})();
