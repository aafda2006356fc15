// The officials' page: small progressive enhancements; every form also works without this script.
// - the body's character counter, "cả xã" ticking its hamlets, showing only the chosen "when" fields,
// - the live reach preview while hamlets are picked, the live report poll, confirm before cancelling.
"use strict";

(function () {
  const POLL_MS = 3000;

  function counter() {
    const body = document.getElementById("body");
    const out = document.getElementById("body-counter");
    if (!body || !out) return;
    const limit = Number(body.dataset.limit || 0);
    const template = out.dataset.template || "{length}";
    const update = () => {
      const length = body.value.trim().length;
      out.textContent = template.replace("{length}", length.toLocaleString("vi-VN"));
      out.classList.toggle("over", limit > 0 && length > limit);
    };
    body.addEventListener("input", update);
    update();
  }

  function wholeCommune(form, onChange) {
    form.querySelectorAll("fieldset.commune").forEach((group) => {
      const whole = group.querySelector("input[data-whole]");
      const hamlets = Array.from(group.querySelectorAll("input[data-hamlet]"));
      if (whole) {
        whole.addEventListener("change", () => {
          hamlets.forEach((box) => { box.checked = whole.checked; });
          onChange();
        });
      }
      hamlets.forEach((box) => box.addEventListener("change", () => {
        if (whole && !box.checked) whole.checked = false;
        if (whole && hamlets.length && hamlets.every((b) => b.checked)) whole.checked = true;
        onChange();
      }));
    });
  }

  function whenFields(form) {
    const radios = Array.from(form.querySelectorAll("input[name=when]"));
    const show = () => {
      const chosen = (radios.find((r) => r.checked) || {}).value || "now";
      form.querySelectorAll(".when-detail").forEach((box) => { box.hidden = box.dataset.when !== chosen; });
    };
    radios.forEach((r) => r.addEventListener("change", show));
    show();
  }

  function reachPreview(form) {
    const box = document.getElementById("reach");
    if (!box || !box.dataset.previewUrl) return () => {};
    let pending = null;
    const refresh = async () => {
      const params = new URLSearchParams();
      form.querySelectorAll("input[name=area]:checked").forEach((b) => params.append("area", b.value));
      try {
        const response = await fetch(box.dataset.previewUrl + "?" + params.toString(), {credentials: "same-origin"});
        if (response.ok) box.innerHTML = (await response.json()).html;
      } catch (error) { /* offline: the "count again" button still works */ }
    };
    return () => { clearTimeout(pending); pending = setTimeout(refresh, 250); };
  }

  function bulletinForm() {
    const form = document.getElementById("bulletin-form");
    if (!form) return;
    whenFields(form);
    wholeCommune(form, reachPreview(form));
    const button = document.getElementById("preview-button");
    if (button) button.classList.add("js-hidden");
  }

  function livePoll() {
    const box = document.getElementById("report");
    if (!box || box.dataset.live !== "true") return;
    const tick = async () => {
      try {
        const response = await fetch(box.dataset.pollUrl, {credentials: "same-origin", cache: "no-store"});
        if (!response.ok) return;  // signed out or gone: leave the last report on screen
        const report = await response.json();
        box.innerHTML = report.html;
        box.dataset.live = report.live ? "true" : "false";
        if (report.live) setTimeout(tick, POLL_MS);
      } catch (error) {
        setTimeout(tick, POLL_MS * 3);
      }
    };
    setTimeout(tick, POLL_MS);
  }

  function confirmations() {
    // Delegated, so forms in a report fragment swapped in by the poll ask too.
    document.addEventListener("submit", (event) => {
      const form = event.target.closest("form[data-confirm]");
      if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    counter();
    bulletinForm();
    livePoll();
    confirmations();
  });
})();
