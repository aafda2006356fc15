// The web chat: sends what the household types or taps to /api/v1/chat and shows the replies.
// Text is always inserted with textContent, never as HTML.
"use strict";

(function () {
  const app = document.getElementById("app");
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const sendButton = document.getElementById("send");
  let busy = false;

  function bubble(who, text) {
    const item = document.createElement("div");
    item.className = "msg " + who;
    const body = document.createElement("p");
    body.className = "text";
    body.textContent = text;
    item.setAttribute("aria-label", app.dataset[who === "user" ? "you" : "bot"]);
    item.appendChild(body);
    log.appendChild(item);
    return item;
  }

  function showReply(reply) {
    const item = bubble("bot", reply.text);
    if (!reply.buttons || reply.buttons.length === 0) return;
    const choices = document.createElement("div");
    choices.className = "choices";
    for (const row of reply.buttons) {
      for (const choice of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.textContent = choice.label;
        button.addEventListener("click", () => send({ payload: choice.data }, choice.label));
        choices.appendChild(button);
      }
    }
    item.appendChild(choices);
  }

  // Show the start of this exchange (the question, then the top of the answer), not the end of a long answer.
  function scrollTo(item) {
    if (item) window.requestAnimationFrame(() => item.scrollIntoView({ block: "start", behavior: "smooth" }));
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    log.setAttribute("aria-busy", value ? "true" : "false");
  }

  async function send(body, echo) {
    if (busy) return;
    const count = log.children.length;
    if (echo) bubble("user", echo);
    setBusy(true);
    try {
      const response = await fetch("/api/v1/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        bubble("bot", app.dataset.error);
        return;
      }
      for (const reply of data.replies || []) showReply(reply);
    } catch (error) {
      bubble("bot", app.dataset.offline);
    } finally {
      setBusy(false);
      scrollTo(log.children[count]);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    send({ text: text }, text);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // A printed notice's QR code opens /?ap=<hamlet code>: the bot then asks once "Nhận bản tin ấp …?".
  const params = new URLSearchParams(window.location.search);
  const area = params.get("ap");
  if (area) {
    window.history.replaceState(null, "", window.location.pathname);  // a reload does not ask again
    send({ start: true, ap: area.slice(0, 64) }, null);
  } else {
    send({ start: true }, null);
  }
})();
