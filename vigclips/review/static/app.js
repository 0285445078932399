// vigclips review page. Vanilla JS, no network beyond this computer's review server.
// Every change is sent at once; the server writes moments.json atomically and refuses stale changes (HTTP 409).
"use strict";

(function () {
  // The secret comes embedded (a one-time launch address), in the address's fragment (#token=…, never sent to a server),
  // or from this tab's sessionStorage (a reload). sessionStorage is per tab and per port, so two review pages never mix.
  const TOKEN = (function () {
    const embedded = document.querySelector('meta[name="vigclips-token"]').content;
    const fromAddress = new URLSearchParams(window.location.hash.slice(1)).get("token");
    const token = embedded || fromAddress || window.sessionStorage.getItem("vigclips-token") || "";
    if (token) window.sessionStorage.setItem("vigclips-token", token);
    return token;
  })();
  const MIN_LEN_S = 0.2;
  const NEW_MOMENT_S = 5;
  const $ = (id) => document.getElementById(id);

  const state = { doc: null, recordingUrl: null, timelineUrl: null, principles: [], selectedId: null, fps: 25, duration: 0,
                  playingMoment: false, busy: false, minMomentS: 3, timelineAxes: null, faces: null };
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

  function change(path, fields) {
    queue = queue.then(async () => {
      // The token names this revision of this analysis: after a re-analysis the server refuses it (reload), never
      // applying the change to a new moment that happens to have the same id.
      const payload = await request("POST", path, Object.assign({ revision: state.revisionToken }, fields));
      applyState(payload);
      $("saved").textContent = "Saved " + new Date().toLocaleTimeString();
      return payload;
    }).catch(() => null);
    return queue;
  }

  function decide(fields) {
    const m = selected();
    if (!m) return Promise.resolve(null);
    return change("api/moments/" + encodeURIComponent(m.id), fields);
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
  }
  function isControl(node) {
    // Keys typed on these keep their own meaning (Space presses a button, Enter follows a link…).
    return Boolean(node && node.closest && node.closest("button, input, textarea, select, a[href], video, summary, [contenteditable]"));
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
      const signature = JSON.stringify([m.still_url, heading, m.status, line]);
      if (card.dataset.sig !== signature) { // redrawn only when it changed: a tap in progress keeps its target
        card.dataset.sig = signature;
        const image = m.still_url ? el("img", { src: m.still_url, alt: "" }) : el("div", { className: "noimg" });
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
    renderEditor();
    renderStrip();
    const swapped = Boolean(state.doc.roles_swapped);
    $("roles-state").textContent = swapped ? "You said the baby and parent were the wrong way round: the rings on the video " +
      "and the teaching clips follow your choice." : "The program decided which face is the baby (amber ring on the video) and " +
      "which is the parent (blue ring). If they are the wrong way round, say so beside the video.";
    $("swap-roles").textContent = swapped ? "Use the program's choice again" : "Baby and parent are the wrong way round";
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
    $("restore").hidden = m.original_start_s === undefined;
    $("confirm").classList.toggle("active", m.status === "confirmed");
    $("reject").classList.toggle("active", m.status === "rejected");

    const boxes = state.principles.map((p, k) => {
      const box = el("input", { type: "checkbox", checked: (m.tags || []).includes(p.key) });
      box.dataset.tag = p.key;
      box.addEventListener("change", () => toggleTag(p.key));
      return el("label", { className: "check" }, [box, " " + p.title + " (" + (k + 1) + ")"]);
    });
    $("tag-boxes").replaceChildren(...boxes);
    if (document.activeElement !== $("note")) $("note").value = m.note || "";

    const reasons = m.reasons || [];
    $("reasons").replaceChildren(...reasons.map((r) => el("li", { textContent: r })));
    $("no-reasons").hidden = reasons.length > 0;
    const caveats = ((m.details || {}).caveats || []);
    $("caveats").replaceChildren(...caveats.map((r) => el("li", { textContent: r })));
    $("caveats-box").hidden = caveats.length === 0;
    const scores = [];
    state.principles.forEach((p) => {
      const value = (m.scores || {})[p.key];
      if (value === undefined || value === null) return;
      const v = Math.max(0, Math.min(1, Number(value)));
      const bar = el("div", { className: "bar", title: Math.round(100 * v) + " out of 100" }, [el("i")]);
      bar.firstChild.style.width = Math.round(100 * v) + "%";
      scores.push(el("span", { textContent: p.title }), bar, el("span", { textContent: amountWord(v) }));
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

  function amountWord(v) { return v <= 0 ? "none" : v < 0.34 ? "a little" : v < 0.67 ? "some" : "a lot"; }

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
    updatePlayhead();
  }

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
      say("Not changed: the playhead (" + clock(t) + ") is not before the end of this moment (" + clock(m.end_s) + "). " +
        "To start the moment later, first move its end with End here.", "error");
      return;
    }
    decide({ start_s: t });
  }

  function setOut() {
    const m = selected();
    if (!m) return;
    const t = round3($("player").currentTime || 0);
    if (t < m.start_s + MIN_LEN_S) {
      say("Not changed: the playhead (" + clock(t) + ") is not after the start of this moment (" + clock(m.start_s) + "). " +
        "To end the moment earlier, first move its start with Start here.", "error");
      return;
    }
    decide({ end_s: t });
  }

  function toggleTag(key) {
    const m = selected();
    if (!m) return;
    const tags = new Set(m.tags || []);
    if (tags.has(key)) tags.delete(key); else tags.add(key);
    decide({ tags: Array.from(tags) });
  }

  // A new moment starts at the playhead and runs NEW_MOMENT_S, or up to the next moment or the end; it may not overlap a
  // moment in use nor be shorter than the program's shortest moment: the page says so instead (the server checks too).
  async function addMoment() {
    if (!state.doc) return;
    const start = round3($("player").currentTime || 0);
    const inUse = moments().filter((m) => m.status !== "rejected");
    const inside = inUse.find((m) => m.start_s <= start && start < m.end_s);
    if (inside) {
      say("Not added: the playhead is inside moment " + momentLabel(inside) + ". Select that one and trim it, or move the " +
        "playhead to a stretch no moment covers.", "error");
      return;
    }
    const next = inUse.filter((m) => m.start_s > start).reduce((a, m) => Math.min(a, m.start_s), state.duration);
    const end = round3(Math.min(state.duration, start + NEW_MOMENT_S, next));
    if (end - start < state.minMomentS - 1e-6) {
      const why = end >= state.duration - 1e-6 ? "the recording ends" : "moment " +
        momentLabel(inUse.find((m) => m.start_s === next)) + " starts";
      say("Not added: " + why + " " + (end - start).toFixed(1) + " s after the playhead, and a moment needs at least " +
        state.minMomentS.toFixed(1) + " s. Move the playhead earlier.", "error");
      return;
    }
    const payload = await change("api/moments", { start_s: start, end_s: end, status: "confirmed" });
    if (payload && payload.added_id) {
      select(payload.added_id, false);
      showBanner("Moment added from " + clock(start) + " to " + clock(end) + " and kept. Trim it with Start here / End here.", "ok");
    }
  }

  async function exportClips() {
    state.busy = true;
    render();
    showBanner("Cutting the confirmed clips… this takes a few seconds per clip.", "");
    try {
      const payload = await request("POST", "api/export", { annotate: $("annotate").checked });
      const n = payload.clips.length;
      const teaching = (payload.teaching || []).length;
      const items = (payload.links || []).map((f) => el("li", {}, [el("a", { href: f.url, target: "_blank", rel: "noopener",
                                                                        textContent: f.label })]));
      showBanner(n + " clip" + (n === 1 ? "" : "s") + (teaching ? ", " + teaching + " teaching version" + (teaching === 1 ? "" : "s") +
        " (cues drawn in)" : "") + ", the stills and the sheet for the parent saved in " + payload.folder + ":", "ok", false, items);
    } catch (err) { /* the banner already says what went wrong */ } finally {
      state.busy = false;
      render();
    }
  }

  // ---- wiring ------------------------------------------------------------------------------------------------------------

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
  $("swap-roles").addEventListener("click", () => change("api/roles", { swapped: !state.doc.roles_swapped }));
  $("banner-close").addEventListener("click", () => { $("banner").hidden = true; });
  $("banner-reload").addEventListener("click", () => window.location.reload());

  let noteTimer = null;
  $("note").addEventListener("input", () => {
    clearTimeout(noteTimer);
    noteTimer = setTimeout(() => decide({ note: $("note").value }), 800);
  });
  $("note").addEventListener("change", () => {
    clearTimeout(noteTimer);
    const m = selected();
    if (m && (m.note || "") !== $("note").value.trim()) decide({ note: $("note").value });
  });

  // The strip and the timeline picture only move the playhead: selecting is done in the list (#15).
  $("strip").addEventListener("click", (event) => {
    const rect = $("strip").getBoundingClientRect();
    state.playingMoment = false;
    seekTo(state.duration * (event.clientX - rect.left) / rect.width);
  });
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
  window.addEventListener("resize", updateRings);
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
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    const actions = {
      j: () => step(1), k: () => step(-1),
      c: () => decide({ status: "confirmed" }), x: () => decide({ status: "rejected" }), u: () => decide({ status: "candidate" }),
      i: setIn, o: setOut, p: playMoment, a: addMoment,
      ",": () => frameStep(-1), ".": () => frameStep(1),
      ArrowLeft: () => seekTo(player.currentTime - 1), ArrowRight: () => seekTo(player.currentTime + 1),
      " ": () => { if (player.paused) player.play(); else player.pause(); },
      n: () => $("note").focus(),
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

  load().catch(() => null);
})();
