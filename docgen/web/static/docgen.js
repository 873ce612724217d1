/* docgen serve: the form's behaviour. No framework, no build step.
   - validate as you type (debounced POST of the form to /validate, fragment swapped in,
     each message also shown under its input: [data-error-for]);
   - previews (quick HTML, PDF, PNG) into #preview;
   - add/remove item rows (from the <template data-row-template>);
   - every POST sends the CSRF token in X-CSRF-Token. */
(function () {
  "use strict";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function post(url, body, extra) {
    var headers = { "X-CSRF-Token": csrf };
    for (var k in (extra || {})) headers[k] = extra[k];
    return fetch(url, { method: "POST", body: body, headers: headers, credentials: "same-origin" });
  }

  function errorText(response) {
    return response.text().then(function (text) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      var box = doc.querySelector(".error-page");
      return box ? box : doc.body;
    });
  }

  var form = document.getElementById("docgen-form");
  if (!form) return;
  var problemsBox = document.getElementById("problems-box");
  var preview = document.getElementById("preview");
  var timer = null, seq = 0;

  function showErrors(container) {
    var byField = {};
    container.querySelectorAll("li[data-path]").forEach(function (li) {
      var name = li.getAttribute("data-path");
      (byField[name] = byField[name] || []).push(li.textContent.trim());
    });
    form.querySelectorAll("[data-error-for]").forEach(function (el) {
      if (el.closest("template")) return;
      var name = el.getAttribute("data-error-for");
      var texts = byField[name] || [];
      el.textContent = texts.join("\n");
      var field = el.closest(".field");
      if (field) field.classList.toggle("has-error", texts.length > 0);
    });
  }

  function validate() {
    var mine = ++seq;
    post(form.getAttribute("data-validate"), new FormData(form), { "X-Docgen-Fragment": "1" })
      .then(function (r) { return r.ok ? r.text() : errorText(r).then(function (n) { return n.outerHTML; }); })
      .then(function (html) {
        if (mine !== seq) return;  // an older answer arriving late
        problemsBox.innerHTML = html;
        showErrors(problemsBox);
      })
      .catch(function () {});
  }

  function later() { clearTimeout(timer); timer = setTimeout(validate, 350); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);

  // a click on a problem focuses its input
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("[data-field-link]");
    if (!link) return;
    var input = document.getElementById("f-" + link.getAttribute("data-field-link"));
    if (input) { ev.preventDefault(); input.focus(); input.scrollIntoView({ block: "center" }); }
  });

  // rows
  function renumber(list, name) {
    list.querySelectorAll(':scope > [data-row="' + name + '"]').forEach(function (row, i) {
      var old = row.getAttribute("data-index");
      row.setAttribute("data-index", String(i));
      var from = name + "." + old + ".", to = name + "." + i + ".";
      row.querySelectorAll("[name],[id],[for],[data-error-for],[data-field]").forEach(function (el) {
        ["name", "id", "for", "data-error-for", "data-field"].forEach(function (a) {
          var v = el.getAttribute(a);
          if (v && v.indexOf(from) !== -1) el.setAttribute(a, v.replace(from, to));
        });
      });
    });
  }
  form.addEventListener("click", function (ev) {
    var add = ev.target.closest("[data-add-row]");
    var remove = ev.target.closest("[data-remove-row]");
    if (add) {
      var name = add.getAttribute("data-add-row");
      var box = add.closest("[data-rows]");
      var list = box.querySelector(".row-list");
      var tpl = box.querySelector('template[data-row-template="' + name + '"]');
      var count = list.querySelectorAll(':scope > [data-row="' + name + '"]').length;
      var html = tpl.innerHTML.split(name + ".__i__.").join(name + "." + count + ".")
        .split('data-index="__i__"').join('data-index="' + count + '"');
      list.insertAdjacentHTML("beforeend", html);
      var first = list.lastElementChild.querySelector("input,select,textarea");
      if (first) first.focus();
    } else if (remove) {
      var rname = remove.getAttribute("data-remove-row");
      var row = remove.closest("[data-row]");
      var rlist = row.parentNode;
      row.remove();
      renumber(rlist, rname);
      later();
    }
  });

  // previews: into #preview instead of a new tab
  form.querySelectorAll("[data-preview-format]").forEach(function (button) {
    button.addEventListener("click", function (ev) {
      ev.preventDefault();
      var fmt = button.getAttribute("data-preview-format");
      preview.textContent = preview.getAttribute("data-working");
      post(form.getAttribute("data-preview") + "?format=" + fmt, new FormData(form))
        .then(function (r) {
          if (!r.ok) return errorText(r).then(function (node) {
            preview.innerHTML = ""; preview.appendChild(node);
          });
          if (fmt === "html") return r.text().then(function (html) { preview.innerHTML = html; });
          return r.blob().then(function (blob) {
            var url = URL.createObjectURL(blob);
            preview.innerHTML = "";
            var el = document.createElement(fmt === "png" ? "img" : "iframe");
            el.src = url; el.className = "preview-" + fmt; el.id = "preview-" + fmt + "-result";
            preview.appendChild(el);
          });
        })
        .catch(function (e) { preview.textContent = String(e); });
    });
  });
})();
