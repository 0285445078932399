// vigclips review page. Vanilla JS, no network beyond this computer's review server.
// Every change is sent at once; the server writes moments.json atomically and refuses stale changes (HTTP 409).
"use strict";

(function () {
  const TOKEN = window.vigclipsToken(); // token.js
  const MIN_LEN_S = 0.2;
  const NEW_MOMENT_S = 5;
  const $ = (id) => document.getElementById(id);

  const state = { doc: null, recordingUrl: null, timelineUrl: null, principles: [], selectedId: null, fps: 25, duration: 0,
                  playingMoment: false, busy: false, minMomentS: 3, timelineAxes: null, faces: null, languages: {},
                  glossaryShown: false };
  const ANNOTATE_KEY = "vigclips-annotate"; // the "teaching versions" tick, remembered by this browser (issue 25)
  const ROLE_CAVEAT = "which face is the baby"; // the caveat that goes once the guider has checked the rings
  const NARROW = window.matchMedia("(max-width: 700px)");
  let queue = Promise.resolve(); // changes go one after another, each with the newest revision

  // Drop the secret (or the spent launch code) from the address bar; it stays in the page and in sessionStorage. Requests go
  // to paths relative to the page, so a recording's page also works inside a batch's list (/r/<name>/).
  const home = window.location.pathname.startsWith("/launch/") ? "/" : window.location.pathname;
  if (window.location.hash.includes("token=") || home !== window.location.pathname) window.history.replaceState(null, "", home);

  // ---- talking to the server -------------------------------------------------------------------------------------------

  async function request(method, path, body) {
    const options = { method, headers: { "X-Vigclips-Token": TOKEN }, credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (err) {
      showBanner("The review program is not answering. Is it still running? Your earlier changes are saved.", "error");
      throw err;
    }
    let payload = null;
    try { payload = await response.json(); } catch (err) { payload = { error: "unexpected answer from the review program" }; }
    if (response.status === 403) {
      // The review program was restarted (a new secret) or this page was opened without its address.
      showBanner("This page's key no longer works: the review program was stopped or restarted. Your earlier changes " +
        "are saved. Open the new address that `vigclips review` printed.", "error");
      throw new Error("forbidden");
    }
    if (response.status === 409) {
      showBanner(payload.error || "These moments were changed elsewhere. Reload the page.", "error", true);
      throw new Error("stale");
    }
    if (!response.ok) {
      showBanner(payload.error || ("Something went wrong (" + response.status + ")."), "error");
      throw new Error(payload.error || String(response.status));
    }
    return payload;
  }

  // fields: what to send, or a function that reads it when this change's turn comes (null: nothing to send). By then
  // the changes queued before it are saved and shown, so a quick second change builds on the first, and what its Undo
  // gives back is the first one's result, not the page as it was before both.
  function change(path, fields) {
    queue = queue.then(async () => {
      const body = typeof fields === "function" ? fields() : fields;
      if (!body) return null;
      // The token names this revision of this analysis: after a re-analysis the server refuses it (reload), never
      // applying the change to a new moment that happens to have the same id.
      const payload = await request("POST", path, Object.assign({ revision: state.revisionToken }, body));
      applyState(payload);
      $("saved").textContent = "Saved " + new Date().toLocaleTimeString();
      // A change saved: the message of an earlier refusal or result no longer applies (issue 25).
      if (!state.busy) hideBanner();
      return payload;
    }).catch(() => null);
    return queue;
  }

  // Every change remembers how to take it back: the Undo button (and z) undoes the last one, of any kind (issue 25).
  let undoEntry = null;
  function setUndo(label, run) {
    undoEntry = { label, run };
    $("undo").hidden = false;
    $("undo").textContent = "Undo " + label;
  }
  function clearUndo() { undoEntry = null; $("undo").hidden = true; }
  async function undo() {
    // Let the change being saved finish first: its own undo is set when its answer comes back, and a quick z would
    // otherwise take back the change before it.
    await queue;
    if (!undoEntry) return;
    const entry = undoEntry;
    clearUndo();
    const payload = await entry.run();
    if (payload) showBanner("Undone: " + entry.label + ".", "ok");
  }
  const FIELD_WORDS = { status: "the decision", start_s: "the trim", end_s: "the trim", tags: "the tick", note: "the note",
                        still_t_s: "the sheet's picture" };
  function currentValues(m, fields) {
    const before = {};
    Object.keys(fields).forEach((k) => {
      if (k === "tags") before.tags = (m.tags || []).slice();
      else if (k === "note") before.note = m.note || "";
      else if (k === "still_t_s") before.still_t_s = m.still_t_s === undefined ? null : m.still_t_s;
      else before[k] = m[k];
    });
    return before;
  }

  // fields: the fields to set, or a function of the moment as it is at this change's turn (see change). before: what
  // Undo sets back (or a function of the moment at the turn); by default the moment's values at the turn.
  function decideOn(id, fields, before) {
    const path = "api/moments/" + encodeURIComponent(id);
    let undoFields = null;
    let label = "the change";
    return change(path, () => {
      const m = moments().find((x) => x.id === id);
      const body = m && (typeof fields === "function" ? fields(m) : fields);
      if (!body) return null;
      undoFields = (typeof before === "function" ? before(m) : before) || currentValues(m, body);
      label = FIELD_WORDS[Object.keys(body)[0]] || label;
      return body;
    }).then((payload) => {
      if (payload) setUndo(label, () => change(path, undoFields));
      return payload;
    });
  }

  function decide(fields, before) {
    const m = selected();
    if (!m) return Promise.resolve(null);
    return decideOn(m.id, fields, before);
  }

  async function load() {
    const payload = await request("GET", "api/moments");
    applyState(payload);
  }

  function applyState(payload) {
    if (!payload || !payload.document) return;
    state.doc = payload.document;
    state.revisionToken = payload.revision_token;
    state.principles = payload.principles;
    state.duration = Number(state.doc.source.duration_s) || 0;
    state.fps = parseFps(state.doc.source.fps);
    if (payload.min_moment_s) state.minMomentS = Number(payload.min_moment_s);
    state.timelineAxes = payload.timeline_axes || null;
    state.languages = payload.languages || {};
    if (payload.glossary && !state.glossaryShown) { state.glossaryShown = true; renderGlossary(payload.glossary); }
    if (payload.recording_url && state.recordingUrl !== payload.recording_url) {
      state.recordingUrl = payload.recording_url;
      $("player").src = payload.recording_url;
    }
    if (payload.timeline_url && state.timelineUrl !== payload.timeline_url) {
      state.timelineUrl = payload.timeline_url;
      $("timeline").src = payload.timeline_url;
      $("timeline-box").hidden = false;
    }
    if (payload.faces_url && state.faces === null) {
      state.faces = false; // asked once
      request("GET", payload.faces_url).then((faces) => { state.faces = faces; updateRings(); }).catch(() => null);
    }
    if (!state.recordingUrl) {
      $("player-caption").textContent = "The preview of the whole recording is missing (the recording was not found when the " +
        "page started). Stop the review program and start it again with --source and the recording's location to trim moments.";
    }
    const ids = moments().map((m) => m.id);
    const first = state.selectedId === null;
    if (!ids.includes(state.selectedId)) state.selectedId = ids.length ? ids[0] : null;
    render();
    if (first && state.selectedId) seekTo(selected().start_s);
  }

  function say(text, kind) { showBanner(text, kind || ""); }

  // ---- helpers -----------------------------------------------------------------------------------------------------------

  function parseFps(text) {
    if (!text) return 25;
    const [num, den] = String(text).split("/").map(Number);
    const fps = den ? num / den : num;
    return fps > 0 ? fps : 25;
  }
  function moments() { return state.doc ? state.doc.moments.slice().sort((a, b) => a.rank - b.rank) : []; }
  function selected() { return moments().find((m) => m.id === state.selectedId) || null; }
  function clock(t) {
    if (!Number.isFinite(t)) return "–";
    const m = Math.floor(t / 60);
    const s = t - m * 60;
    return m + ":" + (s < 10 ? "0" : "") + s.toFixed(1);
  }
  function round3(t) { return Math.round(t * 1000) / 1000; }
  function statusWord(status) { return { confirmed: "kept", rejected: "not used", candidate: "to review" }[status] || status; }
  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  function showBanner(text, kind, offerReload, items) {
    $("banner").hidden = false;
    $("banner").className = "banner" + (kind ? " " + kind : "");
    $("banner-text").textContent = text;
    $("banner-reload").hidden = !offerReload;
    $("banner-list").replaceChildren(...(items || []));
    $("banner-list").hidden = !(items && items.length);
    fitLayout();
  }
  function hideBanner() { $("banner").hidden = true; }

  // The message box lies over the heading and stops above the video; the side column ends at the window's bottom, so the
  // ticks and the note are always in view (its reasons scroll inside it).
  function fitLayout() {
    const player = $("player");
    if (!player) return;
    const side = document.querySelector(".side");
    const top = Math.min(player.getBoundingClientRect().top, side ? side.getBoundingClientRect().top : Infinity) + window.scrollY;
    $("banner").style.maxHeight = Math.max(48, top - 4) + "px";
    if (side) document.documentElement.style.setProperty("--side-top", Math.max(0, side.getBoundingClientRect().top + window.scrollY) + "px");
  }
  function isControl(node) {
    // Keys typed on these keep their own meaning (Space presses a button, Enter follows a link…).
    return Boolean(node && node.closest &&
      node.closest("button, input, textarea, select, a[href], video, summary, [contenteditable], [role=slider]"));
  }
  function momentLabel(m) { return (m.added_by === "guider" ? "the added moment " : "#" + m.rank + " ") + "(" + clock(m.start_s) +
    "–" + clock(m.end_s) + ")"; }

  // ---- drawing the page --------------------------------------------------------------------------------------------------

  function render() {
    const all = moments();
    const kept = all.filter((m) => m.status === "confirmed").length;
    const rejected = all.filter((m) => m.status === "rejected").length;
    $("file-name").textContent = state.doc.source.file_name;
    $("counts").textContent = all.length + " moments · " + kept + " kept · " + rejected + " not used · " +
      (all.length - kept - rejected) + " to review";
    $("export").textContent = kept ? "Export " + kept + " confirmed clip" + (kept === 1 ? "" : "s") : "Export confirmed clips";
    $("export").disabled = state.busy || kept === 0;

    const list = $("moment-list");
    const focusedId = document.activeElement && document.activeElement.classList &&
      document.activeElement.classList.contains("card") ? document.activeElement.dataset.id : null;
    // Cards are kept (keyed by id) and only their content redrawn, so a click or the keyboard focus is never lost mid-way.
    const existing = new Map(Array.from(list.children).map((card) => [card.dataset.id, card]));
    const cards = all.map((m) => {
      let card = existing.get(m.id);
      if (!card) {
        card = el("li", { className: "card", tabIndex: 0 });
        card.dataset.id = m.id;
        card.addEventListener("click", () => { select(m.id, true); bringPlayerIntoView(); });
        // The card with the keyboard focus is the one the keys act on (#15).
        card.addEventListener("focus", () => { if (state.selectedId !== m.id) { select(m.id, true); bringPlayerIntoView(); } });
        card.addEventListener("keydown", (event) => {
          if (event.key === "Enter") { select(m.id, true); bringPlayerIntoView(); }
        });
      }
      const heading = (m.added_by === "guider" ? "Added" : "#" + m.rank) + "  " + clock(m.start_s) + "–" + clock(m.end_s);
      const line = m.note || (m.reasons || [])[0] || ((m.details || {}).caveats || [])[0] || "";
      const picture = m.chosen_still_url || m.still_url;
      const signature = JSON.stringify([picture, heading, m.status, line]);
      if (card.dataset.sig !== signature) { // redrawn only when it changed: a tap in progress keeps its target
        card.dataset.sig = signature;
        const image = picture ? el("img", { src: picture, alt: "" }) : el("div", { className: "noimg" });
        const title = el("div", {}, [el("b", { textContent: heading }),
                                     el("span", { className: "pill " + m.status, textContent: statusWord(m.status) })]);
        card.replaceChildren(image, el("div", { className: "meta" }, [title, el("div", { className: "reason", textContent: line })]));
      }
      card.className = "card" + (m.id === state.selectedId ? " selected" : "");
      card.setAttribute("aria-current", m.id === state.selectedId ? "true" : "false");
      return card;
    });
    if (cards.length !== list.children.length || cards.some((c, k) => list.children[k] !== c)) list.replaceChildren(...cards);
    if (focusedId && focusedId !== state.selectedId) {
      // j/k moved on while a card had the focus: the focus follows the selection.
      const current = list.querySelector('.card[data-id="' + CSS.escape(state.selectedId || "") + '"]');
      if (current) current.focus({ preventScroll: true });
    }

    $("empty").hidden = all.length > 0;
    $("editor-body").hidden = all.length === 0;
    $("editor-head").hidden = all.length === 0;
    renderEditor();
    renderStrip();
    const swapped = Boolean(state.doc.roles_swapped);
    $("roles-state").textContent = swapped ? "You said the baby and parent were the wrong way round: the rings on the video " +
      "and the teaching clips follow your choice." : "The program decided which face is the baby (amber ring on the video) and " +
      "which is the parent (blue ring). If they are the wrong way round, say so beside the video.";
    $("swap-roles").textContent = swapped ? "Use the program's choice again" : "Wrong way round";
    $("roles-right").hidden = rolesChecked();
  }

  function renderEditor() {
    const m = selected();
    if (!m) return;
    const pos = moments().findIndex((x) => x.id === m.id) + 1;
    $("moment-title").textContent = "Moment " + pos + " of " + moments().length;
    $("status-badge").textContent = statusWord(m.status);
    $("status-badge").className = "badge " + m.status;
    $("in-time").textContent = clock(m.start_s);
    $("out-time").textContent = clock(m.end_s);
    $("len-time").textContent = (m.end_s - m.start_s).toFixed(1) + " s";
    $("restore").hidden = m.original_start_s === undefined || m.added_by === "guider";
    $("delete-moment").hidden = m.added_by !== "guider";
    const sheetPicture = m.chosen_still_url || m.still_url;
    $("sheet-still").hidden = !sheetPicture;
    if (sheetPicture && $("sheet-still").getAttribute("src") !== sheetPicture) $("sheet-still").src = sheetPicture;
    $("sheet-still").title = m.still_t_s !== undefined ? "On the sheet: the frame you chose, at " + clock(m.still_t_s) +
      (m.still_t_s < m.start_s || m.still_t_s > m.end_s ? " (now outside the moment: the program chooses again)" : "")
      : "On the sheet: the program's choice of frame";
    $("program-still").hidden = m.still_t_s === undefined;
    $("confirm").classList.toggle("active", m.status === "confirmed");
    $("reject").classList.toggle("active", m.status === "rejected");

    const boxes = state.principles.map((p, k) => {
      const box = el("input", { type: "checkbox", checked: (m.tags || []).includes(p.key) });
      box.dataset.tag = p.key;
      box.addEventListener("change", () => toggleTag(p.key));
      return el("label", { className: "check", title: p.help || "" }, [box, " " + p.title + " (" + (k + 1) + ")"]);
    });
    $("tag-boxes").replaceChildren(...boxes);
    if (document.activeElement !== $("note")) $("note").value = m.note || "";

    const reasons = m.reasons || [];
    const helpOf = (list, k) => ((list || [])[k] || "");
    $("reasons").replaceChildren(...reasons.map((r, k) => withHelp(el("li", { textContent: r }), helpOf(m.reason_help, k))));
    $("no-reasons").hidden = reasons.length > 0;
    const more = (m.details || {}).more_reasons || [];
    $("more-reasons").replaceChildren(...more.map((r, k) => withHelp(el("li", { textContent: r }), helpOf(m.more_reason_help, k))));
    $("more-reasons-box").hidden = more.length === 0;
    // The warning about which face is the baby's goes once the guider has looked at the rings (right, or swapped).
    const caveats = ((m.details || {}).caveats || []).map((r, k) => [r, helpOf(m.caveat_help, k)])
      .filter(([r]) => !(rolesChecked() && r.includes(ROLE_CAVEAT)));
    $("caveats").replaceChildren(...caveats.map(([r, help]) => withHelp(el("li", { textContent: r }), help)));
    $("caveats-box").hidden = caveats.length === 0;
    const scores = [];
    state.principles.forEach((p) => {
      const value = (m.scores || {})[p.key];
      if (value === undefined || value === null) return;
      const v = Math.max(0, Math.min(1, Number(value)));
      const bar = el("div", { className: "bar", title: Math.round(100 * v) + " out of 100" }, [el("i")]);
      bar.dataset.principle = p.key;
      bar.firstChild.style.width = Math.round(100 * v) + "%";
      scores.push(el("span", { textContent: p.title, title: p.help || "" }), bar, el("span", { textContent: amountWord(v) }));
    });
    $("scores").replaceChildren(...scores);

    const clip = $("clip-player");
    const wanted = m.preview_url || "";
    if (clip.dataset.src !== wanted) {
      clip.dataset.src = wanted;
      if (wanted) { clip.src = wanted; } else { clip.removeAttribute("src"); }
      clip.poster = m.still_url || "";
      clip.parentElement.hidden = !wanted;
    }
  }

  // Six steps, so that scores that differ by a step's width read differently (issue 25: "a little" for all four was
  // useless); the figure is on the bar's tooltip.
  function amountWord(v) {
    return v <= 0 ? "none" : v < 0.15 ? "a trace" : v < 0.3 ? "a little" : v < 0.5 ? "some" : v < 0.75 ? "quite a lot" : "a lot";
  }
  function withHelp(node, help) { if (help) node.title = help; return node; }
  function rolesChecked() { return Boolean(state.doc && state.doc.roles_swapped_utc); }
  function renderGlossary(entries) {
    $("glossary-list").replaceChildren(...entries.flatMap((e) => [el("dt", { textContent: e.term }), el("dd", { textContent: e.text })]));
  }

  function renderStrip() {
    const strip = $("strip");
    strip.querySelectorAll(".seg").forEach((n) => n.remove());
    if (!state.duration) return;
    moments().forEach((m) => {
      const seg = el("div", { className: "seg " + m.status + (m.id === state.selectedId ? " selected" : ""),
                             title: clock(m.start_s) + "–" + clock(m.end_s) + " (" + statusWord(m.status) + ")" });
      seg.style.left = (100 * m.start_s / state.duration) + "%";
      seg.style.width = Math.max(0.4, 100 * (Math.min(m.end_s, state.duration) - m.start_s) / state.duration) + "%";
      seg.dataset.id = m.id;
      strip.append(seg);
    });
    renderTimelineMarks();
    renderMomentStrip();
    updatePlayhead();
  }

  // ---- the moment's strip: drag its edges (snapped to frames) ----------------------------------------------------------

  function snap(t) { return round3(Math.round(t * state.fps) / state.fps); }
  function momentWindow(m) {
    const pad = Math.max(2, 0.5 * (m.end_s - m.start_s));
    return [Math.max(0, m.start_s - pad), Math.min(state.duration || m.end_s + pad, m.end_s + pad)];
  }
  let drag = null; // {edge, win, start_s, end_s}: an edge being dragged (the window stays put under the pointer)
  function renderMomentStrip() {
    const m = selected();
    if (!m || !state.duration) return;
    const win = drag ? drag.win : momentWindow(m);
    const start = drag ? drag.start_s : m.start_s, end = drag ? drag.end_s : m.end_s;
    const x = (t) => (100 * (t - win[0]) / (win[1] - win[0])) + "%";
    $("moment-range").style.left = x(start);
    $("moment-range").style.width = (100 * (end - start) / (win[1] - win[0])) + "%";
    $("handle-start").style.left = x(start);
    $("handle-end").style.left = x(end);
    $("handle-start").setAttribute("aria-valuetext", clock(start));
    $("handle-end").setAttribute("aria-valuetext", clock(end));
    const still = m.still_t_s;
    $("still-mark").hidden = still === undefined || still < win[0] || still > win[1];
    if (still !== undefined) $("still-mark").style.left = x(still);
    if (drag) {
      $("in-time").textContent = clock(start);
      $("out-time").textContent = clock(end);
      $("len-time").textContent = (end - start).toFixed(1) + " s";
    }
    const t = $("player").currentTime || 0;
    $("moment-head").hidden = t < win[0] || t > win[1];
    $("moment-head").style.left = x(Math.min(Math.max(t, win[0]), win[1]));
  }
  function stripTime(event, win) {
    const rect = $("moment-strip").getBoundingClientRect();
    return win[0] + (win[1] - win[0]) * Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
  }
  function moveEdge(edge, t) {
    // Each edge moves alone and keeps the shortest length from the other (as Start here / End here do).
    if (edge === "start") drag.start_s = Math.min(Math.max(0, snap(t)), round3(drag.end_s - MIN_LEN_S));
    else drag.end_s = Math.max(Math.min(state.duration, snap(t)), round3(drag.start_s + MIN_LEN_S));
    const player = $("player");
    player.pause();
    state.playingMoment = false;
    seekTo(edge === "start" ? drag.start_s : drag.end_s);
    renderMomentStrip();
  }
  function saveEdge() {
    const m = selected();
    const d = drag;
    drag = null;
    if (!m || !d) return;
    const fields = {};
    if (d.edge === "start" && d.start_s !== m.start_s) fields.start_s = d.start_s;
    if (d.edge === "end" && d.end_s !== m.end_s) fields.end_s = d.end_s;
    if (Object.keys(fields).length) decide(fields); else renderMomentStrip();
  }
  ["start", "end"].forEach((edge) => {
    const handle = $("handle-" + edge);
    handle.addEventListener("pointerdown", (event) => {
      const m = selected();
      if (!m) return;
      event.preventDefault();
      event.stopPropagation();
      handle.setPointerCapture(event.pointerId);
      drag = { edge, win: momentWindow(m), start_s: m.start_s, end_s: m.end_s };
    });
    handle.addEventListener("pointermove", (event) => { if (drag && drag.edge === edge) moveEdge(edge, stripTime(event, drag.win)); });
    handle.addEventListener("pointerup", () => { if (drag && drag.edge === edge) saveEdge(); });
    handle.addEventListener("pointercancel", () => { drag = null; renderMomentStrip(); });
    handle.addEventListener("keydown", (event) => {
      // Left / right: one frame; the change is saved at once (each press can be undone). Each press moves the edge from
      // where the presses before it left it, even while their saves are on their way (a held key repeats quickly).
      if (!selected() || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) return;
      event.preventDefault();
      event.stopPropagation();
      const step_s = (event.key === "ArrowLeft" ? -1 : 1) / state.fps;
      const field = edge + "_s";
      decide((m) => {
        const held = drag; // a drag by the pointer, if one is under way, goes on as it was
        drag = { edge, win: momentWindow(m), start_s: m.start_s, end_s: m.end_s };
        moveEdge(edge, m[field] + step_s);
        const t = drag[field];
        drag = held;
        return t !== m[field] ? { [field]: t } : null;
      });
    });
  });
  $("moment-strip").addEventListener("click", (event) => {
    const m = selected();
    if (!m || event.target.classList.contains("handle")) return;
    state.playingMoment = false;
    seekTo(stripTime(event, momentWindow(m)));
  });

  // The timeline picture's time axis spans [left, right] of its width (server: timeline_axes); decisions are drawn on it.
  function timelineX(t) {
    const axes = state.timelineAxes;
    if (!axes || !axes.end_s) return null;
    return axes.left + (axes.right - axes.left) * t / axes.end_s;
  }
  function renderTimelineMarks() {
    const marks = $("timeline-marks");
    if (!state.timelineAxes) { marks.replaceChildren(); return; }
    marks.replaceChildren(...moments().filter((m) => m.status !== "candidate").map((m) => {
      const mark = el("div", { className: "mark " + m.status, title: momentLabel(m) + ": " + statusWord(m.status) });
      mark.style.left = (100 * timelineX(m.start_s)) + "%";
      mark.style.width = Math.max(0.3, 100 * (timelineX(m.end_s) - timelineX(m.start_s))) + "%";
      return mark;
    }));
    let head = $("timeline-head");
    if (!head) { head = el("div", { id: "timeline-head", className: "timeline-head" }); }
    marks.append(head);
  }

  function updatePlayhead() {
    const t = $("player").currentTime || 0;
    $("now-time").textContent = clock(t);
    if (state.duration) $("strip-head").style.left = (100 * t / state.duration) + "%";
    const x = timelineX(t);
    if (x !== null && $("timeline-head")) $("timeline-head").style.left = (100 * x) + "%";
    if (!drag) renderMomentStrip();
    updateRings();
  }

  // Amber and blue rings over the video where the program saw the baby's and the parent's faces at this instant.
  function updateRings() {
    const faces = state.faces;
    const rings = { infant: document.querySelector(".ring.baby"), adult: document.querySelector(".ring.parent") };
    const player = $("player");
    const show = $("show-rings").checked && faces && player.videoWidth;
    if (!show) { rings.infant.hidden = true; rings.adult.hidden = true; return; }
    const k = Math.round((player.currentTime - faces.t0_s) / faces.step_s);
    // Letterboxing: the picture is fitted inside the element (object-fit: contain).
    const box = player.getBoundingClientRect();
    const scale = Math.min(box.width / player.videoWidth, box.height / player.videoHeight);
    const w = player.videoWidth * scale, h = player.videoHeight * scale;
    const x0 = (box.width - w) / 2, y0 = (box.height - h) / 2;
    const swapped = Boolean(state.doc && state.doc.roles_swapped);
    [["infant", swapped ? "adult" : "infant"], ["adult", swapped ? "infant" : "adult"]].forEach(([ring, role]) => {
      const p = (faces[role] || [])[k];
      const node = rings[ring];
      if (!p) { node.hidden = true; return; }
      node.hidden = false;
      const d = Math.max(24, 0.22 * h);
      node.style.width = d + "px"; node.style.height = d + "px";
      node.style.left = (x0 + p[0] * w) + "px"; node.style.top = (y0 + p[1] * h) + "px";
    });
  }

  // Scroll only the list (never the page) so the selected card is visible: the page stays where the guider put it.
  function showCardInList(card) {
    const list = card.closest(".list");
    if (!list || list.scrollHeight <= list.clientHeight) return;
    const top = card.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop;
    if (top < list.scrollTop) list.scrollTop = top - 4;
    else if (top + card.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = top + card.offsetHeight - list.clientHeight + 4;
  }

  function bringPlayerIntoView() {
    if (NARROW.matches) $("editor").scrollIntoView({ block: "start" });
  }

  // ---- actions -----------------------------------------------------------------------------------------------------------

  function select(id, seek) {
    state.selectedId = id;
    state.playingMoment = false;
    render();
    const m = selected();
    if (m && seek) seekTo(m.start_s);
    const card = document.querySelector('.card[data-id="' + CSS.escape(id) + '"]');
    if (card) showCardInList(card);
  }

  function step(delta) {
    const all = moments();
    if (!all.length) return;
    const k = Math.max(0, all.findIndex((m) => m.id === state.selectedId));
    select(all[Math.min(all.length - 1, Math.max(0, k + delta))].id, true);
  }

  let pendingSeek = null;
  function seekTo(t) {
    const player = $("player");
    if (!state.recordingUrl) return;
    const target = Math.max(0, Math.min(state.duration, t));
    if (player.readyState < 1) { pendingSeek = target; return; } // before the video is loaded, seek once it is
    player.currentTime = target;
    updatePlayhead();
  }

  function frameStep(n) {
    const player = $("player");
    player.pause();
    state.playingMoment = false;
    seekTo(player.currentTime + n / state.fps);
  }

  function playMoment() {
    const m = selected();
    if (!m || !state.recordingUrl) return;
    seekTo(m.start_s);
    state.playingMoment = true;
    $("player").play();
  }

  // Start here / End here only ever move the edge they name: a playhead on the wrong side is refused with a message,
  // never used to move the whole moment elsewhere (#15).
  function setIn() {
    const m = selected();
    if (!m) return;
    const t = round3($("player").currentTime || 0);
    if (t > m.end_s - MIN_LEN_S) {
      say("Not changed: the video (at " + clock(t) + ") is not before the end of this moment (" + clock(m.end_s) + "). " +
        "To start the moment later, first move its end (drag its right edge, or End here).", "error");
      return;
    }
    decide({ start_s: t });
  }

  function setOut() {
    const m = selected();
    if (!m) return;
    const t = round3($("player").currentTime || 0);
    if (t < m.start_s + MIN_LEN_S) {
      say("Not changed: the video (at " + clock(t) + ") is not after the start of this moment (" + clock(m.start_s) + "). " +
        "To end the moment earlier, first move its start (drag its left edge, or Start here).", "error");
      return;
    }
    decide({ end_s: t });
  }

  function toggleTag(key) {
    // Toggled on the ticks as they are when this change's turn comes: two quick keys keep both ticks.
    decide((m) => {
      const tags = new Set(m.tags || []);
      if (tags.has(key)) tags.delete(key); else tags.add(key);
      return { tags: Array.from(tags) };
    });
  }

  // A new moment: from where the video is, NEW_MOMENT_S long (or up to the next moment or the end), or exactly a stretch
  // dragged across the strip of the whole recording. It may not overlap a moment in use nor be shorter than the program's
  // shortest moment: the page says so instead (the server checks too). It is not kept until the guider keeps it.
  function addMoment() {
    if (!state.doc) return;
    const start = snap($("player").currentTime || 0);
    const inUse = moments().filter((m) => m.status !== "rejected");
    const inside = inUse.find((m) => m.start_s <= start && start < m.end_s);
    if (inside) {
      say("Not added: the video is inside moment " + momentLabel(inside) + ". Select that one and trim it, or move the " +
        "video to a stretch no moment covers.", "error");
      return;
    }
    const next = inUse.filter((m) => m.start_s > start).reduce((a, m) => Math.min(a, m.start_s), state.duration);
    const end = round3(Math.min(state.duration, start + NEW_MOMENT_S, next));
    if (end - start < state.minMomentS - 1e-6) {
      const why = end >= state.duration - 1e-6 ? "the recording ends" : "moment " +
        momentLabel(inUse.find((m) => m.start_s === next)) + " starts";
      say("Not added: " + why + " " + (end - start).toFixed(1) + " s after where the video is, and a moment needs at least " +
        state.minMomentS.toFixed(1) + " s. Move the video earlier.", "error");
      return;
    }
    return addRange(start, end);
  }

  async function addRange(start, end) {
    const inUse = moments().filter((m) => m.status !== "rejected");
    const overlap = inUse.find((m) => start < m.end_s - 1e-6 && m.start_s < end - 1e-6);
    if (overlap) {
      say("Not added: that stretch (" + clock(start) + "–" + clock(end) + ") overlaps moment " + momentLabel(overlap) +
        ". Trim that one instead, or drag across a stretch no moment covers.", "error");
      return null;
    }
    if (end - start < state.minMomentS - 1e-6) {
      say("Not added: " + (end - start).toFixed(1) + " s is too short; a moment needs at least " + state.minMomentS.toFixed(1) +
        " s. Drag across a longer stretch.", "error");
      return null;
    }
    const payload = await change("api/moments", { start_s: start, end_s: end, status: "candidate" });
    if (payload && payload.added_id) {
      const id = payload.added_id;
      setUndo("adding the moment", () => change("api/moments/" + encodeURIComponent(id) + "/delete", {}));
      select(id, true);
      showBanner("Moment added from " + clock(start) + " to " + clock(end) + ", to review. Drag its edges under the video to " +
        "size it, then Keep it.", "ok");
    }
    return payload;
  }

  async function deleteMoment() {
    const m = selected();
    if (!m || m.added_by !== "guider") return;
    const again = { start_s: m.start_s, end_s: m.end_s, status: m.status, tags: (m.tags || []).slice(), note: m.note || "" };
    const payload = await change("api/moments/" + encodeURIComponent(m.id) + "/delete", {});
    if (payload) {
      setUndo("deleting the moment", () => change("api/moments", again).then((p) => { if (p && p.added_id) select(p.added_id, true); return p; }));
      showBanner("The added moment " + clock(again.start_s) + "–" + clock(again.end_s) + " was deleted.", "ok");
    }
  }

  // The picture of this moment on the parent's sheet: the frame the video shows (inside the moment).
  function useFrame() {
    const m = selected();
    if (!m) return;
    const t = snap($("player").currentTime || 0);
    if (t < m.start_s || t > m.end_s) {
      say("Not changed: the video (at " + clock(t) + ") is outside this moment (" + clock(m.start_s) + "–" + clock(m.end_s) +
        "). Move it to the frame you want inside the moment, then press Use this frame again.", "error");
      return;
    }
    decide({ still_t_s: t });
  }

  function sheetOptions(fields) {
    const before = {};
    return change("api/sheet", () => {
      const sheet = (state.doc && state.doc.sheet) || {};
      Object.keys(fields).forEach((k) => { before[k] = sheet[k] || (k === "language" ? "en" : ""); });
      return fields;
    }).then((payload) => {
      if (payload) setUndo("the sheet's " + (fields.title !== undefined ? "heading" : "language"), () => change("api/sheet", before));
      return payload;
    });
  }
  function openSheetBox(open) {
    $("sheet-box").hidden = !open;
    $("sheet-open").setAttribute("aria-expanded", String(open));
    if (!open) return;
    const sheet = (state.doc && state.doc.sheet) || {};
    $("sheet-title").value = sheet.title || "";
    const languages = Object.entries(state.languages);
    $("sheet-language").replaceChildren(...languages.map(([code, name]) => el("option", { value: code, textContent: name })));
    $("sheet-language").value = sheet.language || "en";
    $("sheet-title").focus();
  }

  async function exportClips() {
    state.busy = true;
    render();
    showBanner("Cutting the confirmed clips… this takes a few seconds per clip.", "");
    // Export what the page shows: a note still being typed and the changes on their way are saved first (a moment kept
    // just before the click was otherwise cut or left out depending on which request the server took first).
    saveNote();
    await queue;
    try {
      const payload = await request("POST", "api/export", { annotate: $("annotate").checked });
      const n = payload.clips.length;
      const teaching = (payload.teaching || []).length;
      const items = (payload.links || []).map((f) => el("li", { className: f.kind || "" }, [el("a", { href: f.url,
        target: "_blank", rel: "noopener", textContent: f.label })]));
      // The links first (the parent's sheet leading), the folder last: the message box is small.
      items.push(el("li", { className: "folder", textContent: "All in " + payload.folder }));
      showBanner(n + " clip" + (n === 1 ? "" : "s") + (teaching ? ", " + teaching + " teaching version" + (teaching === 1 ? "" : "s") : "") +
        ", the stills and the sheet for the parent saved:", "ok", false, items);
    } catch (err) { /* the banner already says what went wrong */ } finally {
      state.busy = false;
      render();
    }
  }

  // ---- wiring ------------------------------------------------------------------------------------------------------------

  $("annotate").checked = window.localStorage.getItem(ANNOTATE_KEY) === "1";
  $("annotate").addEventListener("change", () => window.localStorage.setItem(ANNOTATE_KEY, $("annotate").checked ? "1" : "0"));
  $("undo").addEventListener("click", undo);
  $("delete-moment").addEventListener("click", deleteMoment);
  $("use-frame").addEventListener("click", useFrame);
  $("program-still").addEventListener("click", () => decide({ still_t_s: null }));
  $("roles-right").addEventListener("click", () => change("api/roles", () => ({ swapped: Boolean(state.doc.roles_swapped) })));
  $("sheet-open").addEventListener("click", () => openSheetBox($("sheet-box").hidden));
  $("sheet-close").addEventListener("click", () => openSheetBox(false));
  $("sheet-title").addEventListener("change", () => {
    const sheet = (state.doc && state.doc.sheet) || {};
    if ($("sheet-title").value.trim() !== (sheet.title || "")) sheetOptions({ title: $("sheet-title").value });
  });
  $("sheet-title").addEventListener("keydown", (event) => { if (event.key === "Enter") $("sheet-title").blur(); });
  $("sheet-language").addEventListener("change", () => sheetOptions({ language: $("sheet-language").value }));
  $("confirm").addEventListener("click", () => decide({ status: "confirmed" }));
  $("reject").addEventListener("click", () => decide({ status: "rejected" }));
  $("undecide").addEventListener("click", () => decide({ status: "candidate" }));
  $("set-in").addEventListener("click", setIn);
  $("set-out").addEventListener("click", setOut);
  $("frame-back").addEventListener("click", () => frameStep(-1));
  $("frame-fwd").addEventListener("click", () => frameStep(1));
  $("play-in").addEventListener("click", playMoment);
  $("restore").addEventListener("click", () => {
    const m = selected();
    if (m && m.original_start_s !== undefined) decide({ start_s: m.original_start_s, end_s: m.original_end_s });
  });
  $("add-moment").addEventListener("click", addMoment);
  $("export").addEventListener("click", exportClips);
  $("swap-roles").addEventListener("click", () => {
    let was = false; // read at the change's turn: a quick second click swaps back
    change("api/roles", () => { was = Boolean(state.doc.roles_swapped); return { swapped: !was }; })
      .then((p) => { if (p) setUndo("the swap of baby and parent", () => change("api/roles", { swapped: was })); });
  });
  $("banner-close").addEventListener("click", () => { $("banner").hidden = true; });
  $("banner-reload").addEventListener("click", () => window.location.reload());

  // The note is saved while typing; Undo gives back the note as it was before this round of typing (one focus). That
  // is read at the turn of the round's first save, once the changes before it are saved: read at the focus, a round
  // typed while the last one was still being saved remembered the round before, and Undo took back both.
  let noteTimer = null;
  let noteRound = null; // { id, note }: note stays undefined until the round's first save
  $("note").addEventListener("focus", () => { const m = selected(); noteRound = m ? { id: m.id, note: undefined } : null; });
  function saveNote() {
    clearTimeout(noteTimer);
    const m = selected();
    if (!m || (m.note || "") === $("note").value.trim()) return;
    const round = noteRound && noteRound.id === m.id ? noteRound : null;
    decide({ note: $("note").value }, (now) => {
      if (!round) return undefined;
      if (round.note === undefined) round.note = now.note || "";
      return { note: round.note };
    });
  }
  $("note").addEventListener("input", () => {
    clearTimeout(noteTimer);
    noteTimer = setTimeout(saveNote, 800);
  });
  $("note").addEventListener("change", saveNote);

  // The strip and the timeline picture only move the playhead: selecting is done in the list (#15).
  // A click moves the video; a drag across a stretch adds it as a moment (snapped to frames).
  let sweep = null;
  function stripSeconds(event) {
    const rect = $("strip").getBoundingClientRect();
    return state.duration * Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
  }
  $("strip").addEventListener("pointerdown", (event) => {
    if (!state.duration) return;
    $("strip").setPointerCapture(event.pointerId);
    sweep = { x0: event.clientX, t0: stripSeconds(event), node: null };
  });
  $("strip").addEventListener("pointermove", (event) => {
    if (!sweep || Math.abs(event.clientX - sweep.x0) < 6) return;
    if (!sweep.node) { sweep.node = el("div", { className: "seg new" }); $("strip").append(sweep.node); }
    const a = Math.min(sweep.t0, stripSeconds(event)), b = Math.max(sweep.t0, stripSeconds(event));
    sweep.node.style.left = (100 * a / state.duration) + "%";
    sweep.node.style.width = (100 * (b - a) / state.duration) + "%";
    sweep.node.title = clock(a) + "–" + clock(b);
  });
  $("strip").addEventListener("pointerup", (event) => {
    const s0 = sweep;
    sweep = null;
    if (!s0) return;
    if (s0.node) {
      s0.node.remove();
      const t1 = stripSeconds(event);
      addRange(snap(Math.min(s0.t0, t1)), snap(Math.max(s0.t0, t1)));
      return;
    }
    state.playingMoment = false;
    seekTo(stripSeconds(event));
  });
  $("strip").addEventListener("pointercancel", () => { if (sweep && sweep.node) sweep.node.remove(); sweep = null; });
  $("timeline-box").addEventListener("click", (event) => {
    const axes = state.timelineAxes;
    if (!axes) return;
    const rect = $("timeline").getBoundingClientRect();
    const x = (event.clientX - rect.left) / rect.width;
    if (x < axes.left || x > axes.right) return;
    state.playingMoment = false;
    seekTo(axes.end_s * (x - axes.left) / (axes.right - axes.left));
  });
  $("show-rings").addEventListener("change", updateRings);
  window.addEventListener("resize", () => { updateRings(); fitLayout(); });
  // A button clicked with the mouse gives the focus back, so the keys act on the moment again straight away.
  document.addEventListener("click", (event) => {
    const control = event.target.closest && event.target.closest("button, input[type=checkbox], summary");
    if (control && event.detail > 0) control.blur();
  });

  const player = $("player");
  player.addEventListener("loadedmetadata", () => {
    if (pendingSeek !== null) { player.currentTime = pendingSeek; pendingSeek = null; }
    updatePlayhead();
  });
  player.addEventListener("timeupdate", updatePlayhead);
  player.addEventListener("seeked", updatePlayhead);
  player.addEventListener("pause", () => { state.playingMoment = false; });
  function watchOutPoint() {
    if (!player.paused) updateRings(); // the rings follow the faces smoothly while playing (timeupdate is only ~4 Hz)
    const m = selected();
    if (state.playingMoment && m && player.currentTime >= m.end_s) {
      player.pause();
      state.playingMoment = false;
      player.currentTime = m.end_s;
    }
    window.requestAnimationFrame(watchOutPoint);
  }
  window.requestAnimationFrame(watchOutPoint);

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (isControl(target)) {
      // On a control the keys keep their meaning (Space/Enter press a button, letters type); Esc leaves it.
      if (event.key === "Escape") target.blur();
      return;
    }
    if ((event.ctrlKey || event.metaKey) && event.key === "z" && !event.shiftKey) { event.preventDefault(); undo(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    const actions = {
      j: () => step(1), k: () => step(-1),
      c: () => decide({ status: "confirmed" }), x: () => decide({ status: "rejected" }), u: () => decide({ status: "candidate" }),
      i: setIn, o: setOut, p: playMoment, a: addMoment,
      ",": () => frameStep(-1), ".": () => frameStep(1),
      ArrowLeft: () => seekTo(player.currentTime - 1), ArrowRight: () => seekTo(player.currentTime + 1),
      " ": () => { if (player.paused) player.play(); else player.pause(); },
      n: () => $("note").focus(), s: useFrame, z: undo,
    };
    if (/^[1-4]$/.test(key) && state.principles[Number(key) - 1]) {
      event.preventDefault();
      toggleTag(state.principles[Number(key) - 1].key);
      return;
    }
    if (actions[key]) {
      event.preventDefault();
      actions[key]();
    }
  });

  load().then(fitLayout).catch(() => null);
})();
