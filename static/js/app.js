// Rewards Ops: small progressive enhancements. Every page works without this file; it adds
// keyboard shortcuts, confirmations, countdowns and error toasts. No inline scripts anywhere
// (a strict Content-Security-Policy stays possible), no third-party code besides htmx.
(function () {
  "use strict";

  var currentRow = -1;
  var pendingG = false;

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-rows] tbody tr[data-row]"));
  }

  function selectRow(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row) { row.classList.remove("is-current"); });
    var row = all[index];
    row.classList.add("is-current");
    currentRow = index;
    var link = row.querySelector(".row-link");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function openDialog(id) {
    var dialog = document.getElementById(id);
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }

  function toast(text, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var item = document.createElement("div");
    item.className = "toast" + (kind ? " toast-" + kind : "");
    item.setAttribute("role", kind === "error" ? "alert" : "status");
    item.textContent = text;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 7000);
  }

  // --- Keyboard shortcuts: / search, j/k rows, Enter open, x select, ? help, g o orders ---
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && isTyping(event.target)) {
      event.target.blur();
      return;
    }
    if (isTyping(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "o") { window.location.href = "/"; event.preventDefault(); }
      return;
    }
    if (key === "/") {
      var search = document.querySelector("[data-shortcut-search], input[type=search]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (key === "j" || key === "k") {
      if (!rows().length) return;
      event.preventDefault();
      selectRow(currentRow < 0 ? 0 : currentRow + (key === "j" ? 1 : -1));
    } else if (key === "Enter" && currentRow >= 0 && event.target === document.body) {
      var row = rows()[currentRow];
      var link = row && row.querySelector("a.row-link");
      if (link) { event.preventDefault(); link.click(); }
    } else if (key === "x" && currentRow >= 0) {
      var box = rows()[currentRow] && rows()[currentRow].querySelector("input[type=checkbox]");
      if (box) {
        event.preventDefault();
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } else if (key === "?") {
      event.preventDefault();
      openDialog("shortcuts");
    } else if (key === "g") {
      pendingG = true;
      setTimeout(function () { pendingG = false; }, 1200);
    }
  });

  // --- Clicks: dialogs, and confirmations for plain (non-htmx) destructive forms ---
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) openDialog(opener.getAttribute("data-open-dialog"));
    var confirmer = event.target.closest("button[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-current-query")) {
      // The list's URL changes as filters are applied (hx-push-url): save what is shown now.
      var field = form.querySelector("input[name=query_string]");
      if (field) field.value = window.location.search.replace(/^\?/, "");
    }
  }, true);

  // --- Bulk selection counter ---
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("input[name=ids]")) return;
    var count = document.querySelectorAll("input[name=ids]:checked").length;
    var label = document.querySelector("[data-selected-count]");
    if (label) label.textContent = count ? count + " selected on this page." : "Or tick rows below (x).";
    var bulk = document.querySelector("details.bulk");
    if (bulk && count) bulk.open = true;
  });

  // --- Resend countdowns (Tango accepts one resend per reward every 30 s) ---
  function tickCountdowns() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = parseInt(el.getAttribute("data-countdown"), 10) - 1;
      el.setAttribute("data-countdown", String(Math.max(0, left)));
      var value = el.querySelector("[data-countdown-value]");
      if (value) value.textContent = String(Math.max(0, left));
      if (left <= 0) el.hidden = true;
    });
  }
  setInterval(tickCountdowns, 1000);

  // --- Success messages fade after a while; errors stay until the next action ---
  function fadeMessages(root) {
    (root || document).querySelectorAll(".msg-success, .msg-info").forEach(function (msg) {
      setTimeout(function () {
        msg.classList.add("is-leaving");
        setTimeout(function () { msg.remove(); }, 450);
      }, 8000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { fadeMessages(document); });
  document.addEventListener("htmx:load", function (event) { fadeMessages(event.detail.elt); });

  // --- htmx integration ---
  // Filter forms: leave empty fields out of the URL, so a shared link says only what matters.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-drop-empty")) return;
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      if (params[key] === "") delete params[key];
    });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "order-table") currentRow = -1;
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "Something went wrong (" + xhr.status + "). Reload the page and try again.";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var message = doc.querySelector("[data-error-message]");
      if (message) text = message.textContent.trim();
      else if (xhr.status === 403) text = "Not allowed (403). Your session may have expired: reload the page.";
    } catch (err) { /* keep the generic text */ }
    toast(text, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The server could not be reached. Check your connection and try again.", "error");
  });
})();
