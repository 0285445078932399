// vigclips: the list of a batch's recordings (review/batch_page.py). The secret comes as for one recording's page (an
// embedded launch token, the address's fragment, or this tab's sessionStorage) and goes to the server as a header; each
// recording's page, on the same server, finds it in sessionStorage.
"use strict";

(function () {
  const TOKEN = window.vigclipsToken(); // token.js
  if (window.location.hash.includes("token=") || window.location.pathname !== "/") window.history.replaceState(null, "", "/");
  const $ = (id) => document.getElementById(id);

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  async function load() {
    const response = await fetch("/api/recordings", { headers: { "X-Vigclips-Token": TOKEN }, cache: "no-store" });
    if (!response.ok) {
      $("message").hidden = false;
      $("message").textContent = response.status === 403
        ? "This page's key no longer works: the review program was stopped or restarted. Open the new address that " +
          "`vigclips review` printed."
        : "The review program could not list the recordings (" + response.status + ").";
      $("count").textContent = "not loaded";
      return;
    }
    const state = await response.json();
    $("folder").textContent = state.folder_name;
    const n = state.recordings.length;
    $("count").textContent = n + " recording" + (n === 1 ? "" : "s");
    $("recordings").replaceChildren(...state.recordings.map((r) => {
      const still = r.still_url ? el("img", { src: r.still_url, alt: "" }) : el("span", { className: "noimg" });
      const name = r.url ? el("a", { href: r.url, textContent: r.name }) : el("span", { textContent: r.name });
      return el("li", { className: r.url ? "open" : "closed" },
        [still, el("div", {}, [el("b", {}, [name]), el("span", { className: "status", textContent: r.status })])]);
    }));
  }

  window.addEventListener("pageshow", () => load().catch(() => null)); // again on "back": the counts change
})();
