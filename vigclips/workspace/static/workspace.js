// vigclips: the workspace page (workspace/server.py). The secret comes as for a review page (an embedded launch token,
// the address's fragment, or this tab's sessionStorage) and goes to the server as a header; each recording's review page,
// on the same server at /r/<id>/, finds it in sessionStorage.
"use strict";

(function () {
  const TOKEN = window.vigclipsToken(); // token.js
  if (window.location.hash.includes("token=") || window.location.pathname !== "/") window.history.replaceState(null, "", "/");
  const $ = (id) => document.getElementById(id);
  const chosen = new Set();
  const shown = new Map(); // recording id -> {key: what it showed, node}
  let browsing = null; // the folder the chooser shows
  let stopped = false;

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  let sayTimer = null;
  function say(text, bad) {
    $("message").hidden = !text;
    $("message").textContent = text || "";
    $("message").classList.toggle("bad", Boolean(bad));
    window.clearTimeout(sayTimer);
    if (text && !bad) sayTimer = window.setTimeout(() => say(""), 15000); // good news fades; a problem stays until the next action
  }

  async function call(method, path, body) {
    const response = await fetch(path, {
      method, cache: "no-store",
      headers: Object.assign({ "X-Vigclips-Token": TOKEN }, body ? { "Content-Type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    let payload = {};
    try { payload = await response.json(); } catch (e) { payload = {}; }
    if (!response.ok) {
      const error = new Error(response.status === 403
        ? "This page's key no longer works: vigclips was stopped or started again. Open it again from its launcher."
        : (payload.error || "vigclips could not do that (" + response.status + ")"));
      error.status = response.status;
      throw error;
    }
    return payload;
  }

  // -- the list of recordings --------------------------------------------------------------------------------------------

  function row(r) {
    const actions = [];
    if (r.review_url) {
      actions.push(el("a", { href: r.review_url, className: "button primary", textContent: "Review moments" }));
      actions.push(el("button", { type: "button", className: "export", textContent: "Export kept moments",
        disabled: r.kept === 0, title: r.kept === 0 ? "Keep at least one moment in its review first" : "",
        onclick: () => exportClips(r.id) }));
      actions.push(el("button", { type: "button", textContent: "Open clips folder", onclick: () => openFolder(r.id) }));
    }
    if (r.status === "failed" || r.status === "waiting") {
      actions.push(el("button", { type: "button", className: "quiet", textContent: "Remove from the list",
        onclick: () => remove(r.id, false) }));
    } else if (r.status === "done") {
      actions.push(el("button", { type: "button", className: "quiet", textContent: "Remove…",
        onclick: () => {
          if (window.confirm("Remove " + r.name + " from the list and delete what vigclips made of it: its moments, your " +
            "decisions and notes, its clips and the parent's sheet? The recording itself is not touched.")) remove(r.id, true);
        } }));
    }
    const status = el("p", { className: "status " + r.status, textContent: r.status_words });
    const body = [el("h2", { textContent: r.name, title: r.source }), status];
    if (r.status === "analysing") {
      body.push(el("progress", { max: 1, value: r.progress ? r.progress.fraction : 0,
        ariaLabel: "How far the analysis of " + r.name + " has got" }));
    }
    if (r.export) {
      const links = (r.export.links || []).map((f) => el("li", {}, [el("a", { href: f.url, target: "_blank", rel: "noopener",
        textContent: f.label })]));
      body.push(el("div", { className: "exported" }, [
        el("p", { textContent: "Exported " + r.export.clips.length + " clip" + (r.export.clips.length === 1 ? "" : "s") +
          " to " + r.export.folder + ":" }),
        el("ul", {}, links)]));
    }
    body.push(el("div", { className: "row-actions" }, actions));
    const still = r.still_url ? el("img", { src: r.still_url, alt: "" }) : el("span", { className: "noimg" });
    return el("li", { className: "recording " + r.status, id: "rec-" + r.id }, [still, el("div", { className: "body" }, body)]);
  }

  async function refresh() {
    if (stopped) return;
    let state;
    try {
      state = await call("GET", "/api/workspace");
    } catch (e) {
      say(e.status ? e.message : "vigclips is not answering: it may have been stopped. Start it again from its launcher.", true);
      return;
    }
    $("empty").hidden = state.recordings.length > 0;
    // Rows are made again only when what they show changed: a row rebuilt under the pointer would lose a click, the focus
    // and its picture (which is never cached).
    const nodes = state.recordings.map((r) => {
      const key = JSON.stringify(r);
      const old = shown.get(r.id);
      if (old && old.key === key) return old.node;
      const node = row(r);
      shown.set(r.id, { key, node });
      return node;
    });
    const list = $("recordings");
    if (nodes.length !== list.children.length || nodes.some((n, i) => list.children[i] !== n)) list.replaceChildren(...nodes);
    if (browsing === null) browsing = state.chooser_start;
  }

  async function exportClips(id) {
    say("Exporting the kept moments: this takes a few seconds a clip…");
    try {
      const result = await call("POST", "/api/export", { id });
      say("Exported " + result.clips.length + " clip" + (result.clips.length === 1 ? "" : "s") + " and the parent's sheet.");
    } catch (e) { say(e.message, true); }
    refresh();
  }

  async function openFolder(id) {
    try {
      const result = await call("POST", "/api/open-folder", { id });
      say(result.opened ? "Opened " + result.folder + " in your file manager." : "The clips are in " + result.folder);
    } catch (e) { say(e.message, true); }
  }

  async function remove(id, deleteResults) {
    try { await call("POST", "/api/remove", { id, delete_results: deleteResults }); say(""); } catch (e) { say(e.message, true); }
    refresh();
  }

  // -- the file chooser ----------------------------------------------------------------------------------------------------

  async function browse(path) {
    let listing;
    try {
      listing = await call("GET", "/api/browse" + (path ? "?path=" + encodeURIComponent(path) : ""));
    } catch (e) { say(e.message, true); return; }
    browsing = listing.path;
    $("path").textContent = listing.path;
    $("up").disabled = !listing.parent;
    $("up").onclick = () => browse(listing.parent);
    $("truncated").hidden = !listing.truncated;
    $("roots").hidden = listing.roots.length < 2;
    $("roots").replaceChildren(...listing.roots.map((root) => el("button", { type: "button", className: "small",
      textContent: root, onclick: () => browse(root) })));
    const items = listing.folders.map((f) => el("li", { className: "folder" }, [
      el("button", { type: "button", className: "link", textContent: "📁 " + f.name, onclick: () => browse(f.path) })]));
    listing.files.forEach((f) => {
      const full = f.path;
      const box = el("input", { type: "checkbox", checked: chosen.has(full), onchange: () => {
        if (box.checked) chosen.add(full); else chosen.delete(full);
        $("add-chosen").disabled = chosen.size === 0;
        $("add-chosen").textContent = chosen.size > 1 ? "Add the " + chosen.size + " chosen recordings" : "Add the chosen recording";
      } });
      items.push(el("li", { className: f.recording ? "file recording" : "file other" }, [
        el("label", {}, [box, " " + f.name, el("span", { className: "hint",
          textContent: f.recording ? "" : " (not a recording, by its name)" })])]));
    });
    if (!items.length) items.push(el("li", { className: "hint", textContent: "This folder is empty." }));
    $("entries").replaceChildren(...items);
  }

  function openChooser() {
    $("chooser").hidden = false;
    browse(browsing);
  }

  function closeChooser() {
    $("chooser").hidden = true;
    chosen.clear();
    $("add-chosen").disabled = true;
    $("add-chosen").textContent = "Add the chosen recordings";
  }

  async function addChosen() {
    try {
      const result = await call("POST", "/api/add", { paths: [...chosen] });
      const lines = result.refused.map((r) => r.error);
      say(lines.length ? "Not added: " + lines.join("; ") : "Added. The analysis starts by itself; you can close this page meanwhile.",
        lines.length > 0);
      closeChooser();
    } catch (e) { say(e.message, true); }
    refresh();
  }

  async function stop() {
    try { await call("POST", "/api/stop"); } catch (e) { /* it stopped before answering */ }
    stopped = true;
    document.querySelector("main").hidden = true;
    document.querySelector("header").hidden = true;
    $("message").hidden = true;
    $("stopped").hidden = false;
  }

  $("add").addEventListener("click", openChooser);
  $("close-chooser").addEventListener("click", closeChooser);
  $("add-chosen").addEventListener("click", addChosen);
  $("stop").addEventListener("click", stop);
  window.addEventListener("pageshow", () => refresh());
  window.setInterval(refresh, 1000);
})();
