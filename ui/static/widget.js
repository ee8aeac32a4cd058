/*
 * 政策问答 widget: a floating button that opens the chat in a panel.
 *
 *   <script src="http://HOST:PORT/widget.js" defer
 *           data-title="政策问答" data-position="right" data-question="谁负责校园欺凌防治?"></script>
 *
 * data-title     panel title (default 政策问答)
 * data-position  "right" (default) or "left"
 * data-question  asked when the panel first opens
 * data-open      "true" to open the panel on page load
 * data-token     access token, when the server requires one: handed to the chat in the URL
 *                fragment (#token=…, never sent to a server); the chat then sends it in the
 *                X-QA-Token header, so it works in a cross-site frame without a cookie
 *
 * Everything lives in a Shadow DOM so the host page's styles cannot reach in and ours
 * cannot leak out; the only global is window.PolicyQAWidget (open, close, toggle, ask).
 */
(function () {
  "use strict";
  if (window.PolicyQAWidget) {
    return; // included twice: the first one stays
  }

  var script = document.currentScript || findScript();
  var base = new URL(".", script ? script.src : window.location.href);
  var options = {
    title: attr("title") || "政策问答",
    position: attr("position") === "left" ? "left" : "right",
    question: attr("question") || "",
    open: attr("open") === "true",
    token: attr("token") || "",
  };
  var parts = null; // built on DOMContentLoaded (the script may run before <body> exists)
  var pendingOpen = false;

  var STYLE = [
    ":host { all: initial; }",
    "* { box-sizing: border-box; }",
    ".launcher { position: fixed; bottom: 20px; z-index: 2147483000; display: flex; align-items: center;",
    "  gap: 8px; height: 52px; padding: 0 18px 0 14px; border: 0; border-radius: 26px; cursor: pointer;",
    "  background: #1d4ed8; color: #fff; box-shadow: 0 6px 20px rgba(15, 23, 42, .28);",
    '  font: 600 15px/1 "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }',
    ".launcher:hover { background: #1e40af; }",
    ".launcher:focus-visible, .close:focus-visible { outline: 3px solid #93c5fd; outline-offset: 2px; }",
    ".launcher svg { width: 24px; height: 24px; fill: currentColor; }",
    ".panel { position: fixed; bottom: 84px; z-index: 2147483000; display: none; flex-direction: column;",
    "  width: 410px; height: 640px; max-width: calc(100vw - 24px); max-height: calc(100vh - 104px);",
    "  background: #fff; border-radius: 12px; overflow: hidden; box-shadow: 0 12px 40px rgba(15, 23, 42, .35); }",
    ".panel.open { display: flex; }",
    ".right { right: 20px; } .left { left: 20px; }",
    ".bar { display: flex; align-items: center; justify-content: space-between; gap: 8px;",
    "  padding: 10px 10px 10px 16px; background: #1d4ed8; color: #fff;",
    '  font: 600 15px/1.4 "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }',
    ".title { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }",
    ".close { flex: none; width: 32px; height: 32px; border: 0; border-radius: 16px; cursor: pointer;",
    "  background: transparent; color: #fff; font: 22px/1 sans-serif; }",
    ".close:hover { background: rgba(255, 255, 255, .18); }",
    "iframe { flex: 1; width: 100%; border: 0; background: #fff; }",
    "@media (prefers-color-scheme: dark) {",
    "  .panel, iframe { background: #0b0f19; } .bar { background: #1e3a8a; }",
    "  .launcher { background: #1e40af; box-shadow: 0 6px 20px rgba(0, 0, 0, .6); }",
    "}",
    "@media (prefers-reduced-motion: no-preference) { .launcher { transition: background .15s; } }",
    "@media (max-width: 480px) {",
    "  .panel { top: 0; bottom: 0; left: 0; right: 0; width: 100%; height: 100%;",
    "    max-width: none; max-height: none; border-radius: 0; }",
    "  .panel.open + .launcher { display: none; }",
    "}",
  ].join("\n");

  var ICON =
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6' +
    'a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0' +
    ' 0-3 1.5 1.5 0 0 0 0 3z"/></svg>';

  function attr(name) {
    return script ? script.getAttribute("data-" + name) : null;
  }

  function findScript() {
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\.js(\?|$)/.test(scripts[i].src)) {
        return scripts[i];
      }
    }
    return null;
  }

  function build() {
    var host = document.createElement("policy-qa-widget");
    host.style.cssText = "all: initial !important; display: block !important;";
    var root = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = STYLE;

    var panel = document.createElement("div");
    panel.className = "panel " + options.position;
    panel.id = "panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "false"); // the host page stays usable beside it
    panel.setAttribute("aria-labelledby", "panel-title");
    var bar = document.createElement("div");
    bar.className = "bar";
    var title = document.createElement("span");
    title.className = "title";
    title.id = "panel-title";
    title.textContent = options.title;
    var close = document.createElement("button");
    close.className = "close";
    close.type = "button";
    close.setAttribute("aria-label", "关闭");
    close.textContent = "×";
    close.addEventListener("click", closePanel);
    bar.appendChild(title);
    bar.appendChild(close);
    panel.appendChild(bar);

    var launcher = document.createElement("button");
    launcher.className = "launcher " + options.position;
    launcher.type = "button";
    launcher.setAttribute("aria-controls", "panel");
    launcher.setAttribute("aria-expanded", "false");
    launcher.innerHTML = ICON; // a constant, never page or user text
    var label = document.createElement("span");
    label.textContent = options.title;
    launcher.appendChild(label);
    launcher.addEventListener("click", toggle);

    root.appendChild(style);
    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(host);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) {
        closePanel();
      }
    });
    // Escape pressed inside the chat page arrives as a message from our own frame only.
    window.addEventListener("message", function (event) {
      if (parts && parts.frame && event.source === parts.frame.contentWindow && event.origin === base.origin &&
          event.data && event.data.type === "policy-qa:close" && isOpen()) {
        closePanel();
      }
    });
    return { panel: panel, launcher: launcher, frame: null };
  }

  function chatUrl(question) {
    var url = new URL("widget/", base);
    if (question) {
      url.searchParams.set("q", question);
    }
    if (options.token) {
      url.hash = "token=" + encodeURIComponent(options.token);
    }
    return url.toString();
  }

  function load(question) {
    // The chat page loads on first open only: host pages pay nothing until then. Later questions
    // go to the loaded page as a message, so it keeps its conversation for the life of the page.
    if (parts.frame) {
      if (question) {
        parts.frame.contentWindow.postMessage({ type: "policy-qa:ask", question: question }, base.origin);
      }
      return;
    }
    parts.frame = document.createElement("iframe");
    parts.frame.title = options.title + "对话";
    parts.frame.addEventListener("load", focusChat);
    parts.panel.appendChild(parts.frame);
    parts.frame.src = chatUrl(question);
  }

  function focusChat() {
    // Focus moves into the dialog: onto the frame, and the chat page puts it in its question box.
    if (!isOpen() || !parts.frame) {
      return;
    }
    parts.frame.focus();
    parts.frame.contentWindow.postMessage({ type: "policy-qa:focus" }, base.origin);
  }

  function isOpen() {
    return !!parts && parts.panel.classList.contains("open");
  }

  function openPanel(question) {
    if (!parts) {
      pendingOpen = true;
      options.question = question || options.question;
      return;
    }
    var loaded = !!parts.frame;
    load(question || (parts.frame ? "" : options.question));
    parts.panel.classList.add("open");
    parts.launcher.setAttribute("aria-expanded", "true");
    if (loaded) {
      focusChat();
    }
  }

  function closePanel() {
    if (!parts) {
      pendingOpen = false;
      return;
    }
    parts.panel.classList.remove("open");
    parts.launcher.setAttribute("aria-expanded", "false");
    parts.launcher.focus();
  }

  function toggle() {
    if (isOpen()) {
      closePanel();
    } else {
      openPanel();
    }
  }

  function start() {
    if (parts) {
      return;
    }
    parts = build();
    if (options.open || pendingOpen) {
      openPanel();
    }
  }

  window.PolicyQAWidget = Object.freeze({
    open: function () { openPanel(); },
    close: closePanel,
    toggle: toggle,
    ask: function (question) { openPanel(String(question || "")); },
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
