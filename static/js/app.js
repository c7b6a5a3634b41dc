/* Customer Hub — small enhancements on top of server-rendered pages and htmx.
   Every page works without this file; it adds keyboard shortcuts, debounced live search,
   copy buttons and a few conveniences. */
(function () {
  "use strict";

  var SEARCH_DELAY_MS = 250;

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var self = this;
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, wait);
    };
  }

  function isEditable(element) {
    if (!element) return false;
    var tag = element.tagName;
    return element.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function resultsFor(input) {
    var selector = input.getAttribute("data-results");
    return selector ? document.querySelector(selector) : null;
  }

  function resultLinks(container) {
    return container ? Array.prototype.slice.call(container.querySelectorAll("[data-result-link]")) : [];
  }

  function searchInputFor(link) {
    var container = link.closest("#results, #quick-results, [data-results-list]");
    if (!container) return null;
    var inputs = document.querySelectorAll("[data-search-input]");
    for (var i = 0; i < inputs.length; i++) {
      var results = resultsFor(inputs[i]);
      if (results && (results === container || results.contains(container) || container.contains(results))) return inputs[i];
    }
    return null;
  }

  /* Live search: one request once the user pauses typing, not one per key. */
  function wireSearch(input) {
    if (input.dataset.wired) return;
    input.dataset.wired = "1";
    var last = input.value;
    var fire = debounce(function () {
      if (input.value === last) return;
      last = input.value;
      if (window.htmx) window.htmx.trigger(input, "debounced");
    }, SEARCH_DELAY_MS);
    input.addEventListener("input", fire);
  }

  function closeQuickResults() {
    var quick = document.getElementById("quick-results");
    if (quick) quick.innerHTML = "";
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;

    // "/" anywhere outside a text field jumps to the search box.
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !isEditable(target)) {
      var search = document.querySelector("[data-search-primary]") || document.getElementById("global-search");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
      return;
    }

    // From the search box, the down arrow moves into the results.
    if (target.matches && target.matches("[data-search-input]")) {
      if (event.key === "ArrowDown") {
        var first = resultLinks(resultsFor(target))[0];
        if (first) {
          event.preventDefault();
          first.focus();
        }
      } else if (event.key === "Escape" && target.id === "global-search") {
        closeQuickResults();
      }
      return;
    }

    // Within the results, arrows move between customers; Enter follows the focused link.
    if (target.matches && target.matches("[data-result-link]")) {
      var container = target.closest("#results, #quick-results, [data-results-list]");
      var links = resultLinks(container);
      var index = links.indexOf(target);
      if (event.key === "ArrowDown" && index < links.length - 1) {
        event.preventDefault();
        links[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (index > 0) {
          links[index - 1].focus();
        } else {
          var input = searchInputFor(target);
          if (input) input.focus();
        }
      } else if (event.key === "Escape") {
        var owner = searchInputFor(target);
        if (owner) owner.focus();
        if (container && container.id === "quick-results") closeQuickResults();
      }
    }

    // Escape closes an open drop-down menu.
    if (event.key === "Escape") {
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        menu.removeAttribute("open");
        var summary = menu.querySelector("summary");
        if (summary) summary.focus();
      });
    }
  });

  document.addEventListener("click", function (event) {
    // A click outside closes menus and the quick results.
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
    if (!event.target.closest(".topbar-search")) closeQuickResults();

    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      if (source) copyText(source.textContent.trim(), copy);
    }

    var add = event.target.closest("[data-formset-add]");
    if (add) addFormsetRow(add.getAttribute("data-formset-add"));
  });

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll('input[type=checkbox][name="customer"]').forEach(function (box) {
        box.checked = all.checked;
      });
    }
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  function copyText(text, button) {
    function done() {
      button.setAttribute("data-copied", "");
      var label = button.querySelector(".visually-hidden");
      var before = label ? label.textContent : "";
      if (label) label.textContent = "Copied";
      announce("Copied " + text);
      setTimeout(function () {
        button.removeAttribute("data-copied");
        if (label) label.textContent = before;
      }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {});
    } else {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } catch (error) { /* copying is a convenience */ }
      document.body.removeChild(area);
    }
  }

  function announce(text) {
    var region = document.getElementById("js-announcer");
    if (!region) {
      region = document.createElement("div");
      region.id = "js-announcer";
      region.className = "visually-hidden";
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    region.textContent = text;
  }

  function addFormsetRow(prefix) {
    var template = document.querySelector('template[data-formset-template="' + prefix + '"]');
    var rows = document.querySelector('[data-formset="' + prefix + '"]');
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (!template || !rows || !total) return;
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var firstInput = rows.lastElementChild && rows.lastElementChild.querySelector("input:not([type=hidden])");
    if (firstInput) firstInput.focus();
  }

  /* Parameters left empty stay out of the request, so pushed URLs are short and shareable. */
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") return;
    var data = event.detail.formData;
    if (!data || typeof data.keys !== "function") return;
    Array.from(new Set(Array.from(data.keys()))).forEach(function (key) {
      var values = data.getAll(key).filter(function (value) { return String(value).trim() !== ""; });
      if (values.length === 0) data.delete(key);
    });
  });

  /* Back and Forward between a form's pushed URLs restore the page htmx saved as the user was
     already typing the next query; the form's controls are set again from the URL itself. */
  document.addEventListener("htmx:historyRestore", function () {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[hx-push-url]").forEach(function (form) {
      form.querySelectorAll("input[name], select[name]").forEach(function (control) {
        var type = (control.type || "").toLowerCase();
        if (type === "hidden" || type === "checkbox" || type === "radio" || type === "file") return;
        control.value = params.get(control.name) || "";
      });
    });
  });

  /* A live check's answer marks its input valid or invalid for assistive technology. */
  document.addEventListener("htmx:afterSwap", function (event) {
    var feedback = event.detail.target;
    if (feedback && feedback.classList && feedback.classList.contains("field-feedback")) {
      var field = feedback.closest(".field");
      var control = field && field.querySelector("input, select, textarea");
      var invalid = !!feedback.querySelector(".field-error");
      if (field) field.classList.toggle("field--invalid", invalid);
      if (control) {
        if (invalid) control.setAttribute("aria-invalid", "true");
        else control.removeAttribute("aria-invalid");
      }
    }
    enhance(document);
  });

  /* htmx leaves the page as it was when a request fails; say so instead of doing nothing. */
  function showError(text) {
    var box = document.getElementById("messages");
    if (!box) return;
    var alert = document.createElement("div");
    alert.className = "alert alert--error";
    alert.setAttribute("role", "alert");
    var paragraph = document.createElement("p");
    paragraph.textContent = text;
    alert.appendChild(paragraph);
    box.innerHTML = "";
    box.appendChild(alert);
    wireMessages(document);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) showError("Your role does not allow this action.");
    else if (status === 404) showError("That record no longer exists, or belongs to another organization.");
    else showError("Something went wrong (" + status + "). Reload the page and try again.");
  });

  document.addEventListener("htmx:sendError", function () {
    showError("The server could not be reached. Check your connection and try again.");
  });

  var SUCCESS_TIMEOUT_MS = 6000;

  /* Messages get a close button; confirmations fade away by themselves, errors stay until closed. */
  function wireMessages(root) {
    root.querySelectorAll("#messages .alert").forEach(function (alert) {
      if (alert.dataset.wired) return;
      alert.dataset.wired = "1";
      var close = document.createElement("button");
      close.type = "button";
      close.className = "alert__close";
      close.setAttribute("aria-label", "Dismiss");
      close.textContent = "×";
      close.addEventListener("click", function () { alert.remove(); });
      alert.appendChild(close);
      if (!alert.classList.contains("alert--error")) {
        setTimeout(function () { alert.remove(); }, SUCCESS_TIMEOUT_MS);
      }
    });
  }

  function enhance(root) {
    wireMessages(document);
    root.querySelectorAll("[data-search-input]").forEach(wireSearch);
    root.querySelectorAll("[data-copy], [data-select-all], [data-formset-add]").forEach(function (element) {
      element.hidden = false;
    });
  }

  function start() {
    enhance(document);
    var summary = document.querySelector("[data-autofocus]");
    if (summary) summary.focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
