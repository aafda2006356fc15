// The web chat: sends what the household types or taps to /api/v1/chat and shows the replies.
// Text is always inserted with textContent, never as HTML.
// - "🔊 Nghe" (button data "say:…") is handled here: the browser reads the answer aloud (speechSynthesis, vi-VN)
//   instead of asking the server; a reply with `voice` ("đọc cho tôi nghe") is read aloud as it arrives.
// - The conversation is kept in localStorage (the last HISTORY_LIMIT bubbles) so a reload keeps it; it is
//   cleared when the household erases its data.
// - When the server refuses (429, 422…), its own JSON `message` is shown.
"use strict";

(function () {
  const app = document.getElementById("app");
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const sendButton = document.getElementById("send");
  const HISTORY_KEY = "giamngheo.chat.v1";
  const HISTORY_LIMIT = 60;
  const ERASE_DATA = "f:delete:y";
  let busy = false;
  let history = loadHistory();

  function loadHistory() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(saved) ? saved : [];
    } catch (error) {
      return [];
    }
  }

  function remember(item) {
    history.push(item);
    history = history.slice(-HISTORY_LIMIT);
    try {
      window.localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
    } catch (error) {
      // private mode or full storage: the chat still works, it is just not kept
    }
  }

  function forget() {
    history = [];
    try {
      window.localStorage.removeItem(HISTORY_KEY);
    } catch (error) {
      // nothing stored
    }
  }

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

  function vietnameseVoice(voices) {
    return voices.find((v) => (v.lang || "").toLowerCase().replace("_", "-").startsWith("vi")) || null;
  }

  // Voices load asynchronously in some browsers: wait for them briefly before deciding there is none.
  function voicesReady(synth) {
    const now = synth.getVoices ? synth.getVoices() : [];
    if (now.length > 0 || !synth.addEventListener) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = () => resolve(synth.getVoices ? synth.getVoices() : []);
      synth.addEventListener("voiceschanged", done, { once: true });
      window.setTimeout(done, 1500);
    });
  }

  async function speak(text) {
    const synth = window.speechSynthesis;
    if (!synth || typeof window.SpeechSynthesisUtterance !== "function") {
      bubble("bot", app.dataset.noSpeech);
      return;
    }
    const voices = await voicesReady(synth);
    const voice = vietnameseVoice(voices);
    if (voices.length > 0 && !voice) {
      bubble("bot", app.dataset.noVoice);
      return;
    }
    synth.cancel();
    const utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = "vi-VN";
    try {
      if (voice) utterance.voice = voice;
    } catch (error) {
      // a voice the browser will not take: lang "vi-VN" still asks for Vietnamese
    }
    utterance.rate = 0.9;
    synth.speak(utterance);
  }

  function addChoices(item, buttons, spokenText) {
    if (!buttons || buttons.length === 0) return;
    const choices = document.createElement("div");
    choices.className = "choices";
    for (const row of buttons) {
      for (const choice of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.textContent = choice.label;
        if (choice.data.startsWith("say:")) {
          button.addEventListener("click", () => speak(spokenText));
        } else {
          button.addEventListener("click", () => send({ payload: choice.data }, choice.label));
        }
        choices.appendChild(button);
      }
    }
    item.appendChild(choices);
  }

  // `fresh`: just received (read a voice reply aloud, keep it); otherwise shown again from the history or a greeting.
  function showReply(reply, fresh, keep) {
    const item = bubble("bot", reply.text);
    let buttons = reply.buttons || [];
    if (reply.voice) {
      buttons = [[{ label: app.dataset.listen, data: "say:" }], ...buttons];
      if (fresh) speak(reply.voice);
    }
    addChoices(item, buttons, reply.voice || reply.text);
    if (keep) remember({ who: "bot", text: reply.text, buttons: reply.buttons || [], voice: reply.voice || null });
  }

  function replayHistory() {
    for (const item of history) {
      if (item.who === "user") bubble("user", item.text);
      else showReply(item, false, false);
    }
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
    if (echo) {
      bubble("user", echo);
      remember({ who: "user", text: echo });
    }
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
        bubble("bot", typeof data.message === "string" && data.message ? data.message : app.dataset.error);
        return;
      }
      if (body.payload === ERASE_DATA) forget();
      // The greeting on opening the page is not kept: the server greets again on every visit.
      for (const reply of data.replies || []) showReply(reply, true, !body.start);
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

  replayHistory();
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
