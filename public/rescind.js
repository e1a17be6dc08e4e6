// Rescind's page behaviour on top of Chainlit's (.chainlit/config.toml: custom_js).
// 1. A new proposal takes the focus and is scrolled into view with its Confirm / Keep clear
//    of the composer: after "Cancel selected item" or a Confirm, the next question is never
//    off-screen. The primary button is found by the role in its id (assistant/ui/views.py).
// 2. On the sign-in page, the demo logins are listed when the server runs in demo mode
//    (GET /rescind/demo-logins answers 404 otherwise): never inside the chat.
(function () {
  "use strict";
  var CONFIRM = 'button[id^="rc-primary-"]';
  // Chainlit's action buttons are the only buttons with an id inside a message.
  var ACTION = '[data-step-type="assistant_message"] button[id]';
  var seen = new WeakSet();

  function settle(button) {
    var message = button.closest('[data-step-type="assistant_message"]') || button.parentElement;
    if (!message) return;
    if (button.matches(CONFIRM)) {  // a proposal: it takes the focus
      message.classList.add("rc-proposal");
      message.setAttribute("tabindex", "-1");
      message.setAttribute("role", "group");
      message.setAttribute("aria-label", "Proposal: check it, then Confirm or Keep");
      message.focus({ preventScroll: true });
    }
    // Chainlit scrolls the list when a message arrives; this runs after it, so the buttons
    // end up above the composer (their scroll-margin in rescind.css).
    setTimeout(function () { button.scrollIntoView({ block: "end", behavior: "auto" }); }, 80);
  }

  function scan() {
    var fresh = null;
    document.querySelectorAll(ACTION).forEach(function (b) {
      if (!seen.has(b)) { seen.add(b); fresh = b; }
    });
    if (fresh) {
      var last = fresh;
      requestAnimationFrame(function () { settle(last); });
    }
    demoLogins();
  }

  var demoAsked = false;
  function demoLogins() {
    var form = document.querySelector("form input#email");
    if (!form || demoAsked) return;
    demoAsked = true;
    fetch("/rescind/demo-logins", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.logins || !data.logins.length) return;
        var box = document.createElement("div");
        box.className = "rc-demo";
        box.setAttribute("data-testid", "demo-logins");
        var title = document.createElement("p");
        title.textContent = "Demo store: sign in as one of these (password " + data.password + ")";
        box.appendChild(title);
        data.logins.forEach(function (l) {
          var line = document.createElement("div");
          var code = document.createElement("code");
          code.textContent = l.email;
          line.appendChild(code);
          line.appendChild(document.createTextNode(" — " + l.role));
          box.appendChild(line);
        });
        var host = document.querySelector("form input#email").closest("form");
        if (host && host.parentElement) host.parentElement.appendChild(box);
      })
      .catch(function () { /* no demo list: nothing to show */ });
  }

  new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
  scan();
})();
