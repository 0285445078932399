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
                  playingMoment: false, busy: false };
  let queue = Promise.resolve(); // changes go one after another, each with the newest revision

  // Drop the secret (or the spent launch code) from the address bar; it stays in the page and in sessionStorage.
  if (window.location.hash.includes("token=") || window.location.pathname !== "/") window.history.replaceState(null, "", "/");

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
      const payload = await request("POST", path, Object.assign({ revision: state.doc.revision }, fields));
      applyState(payload);
      $("saved").textContent = "Saved " + new Date().toLocaleTimeString();
      return payload;
    }).catch(() => null);
    return queue;
  }

  function decide(fields) {
    const m = selected();
    if (!m) return Promise.resolve(null);
    return change("/api/moments/" + encodeURIComponent(m.id), fields);
  }

  async function load() {
    const payload = await request("GET", "/api/moments");
    applyState(payload);
  }

  function applyState(payload) {
    if (!payload || !payload.document) return;
    state.doc = payload.document;
    state.principles = payload.principles;
    state.duration = Number(state.doc.source.duration_s) || 0;
    state.fps = parseFps(state.doc.source.fps);
    if (payload.recording_url && state.recordingUrl !== payload.recording_url) {
      state.recordingUrl = payload.recording_url;
      $("player").src = payload.recording_url;
    }
    if (payload.timeline_url && state.timelineUrl !== payload.timeline_url) {
      state.timelineUrl = payload.timeline_url;
      $("timeline").src = payload.timeline_url;
      $("timeline").hidden = false;
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

  function showBanner(text, kind, offerReload) {
    $("banner").hidden = false;
    $("banner").className = "banner" + (kind ? " " + kind : "");
    $("banner-text").textContent = text;
    $("banner-reload").hidden = !offerReload;
  }

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
    list.replaceChildren(...all.map((m, k) => {
      const image = m.still_url ? el("img", { src: m.still_url, alt: "" }) : el("div", { className: "noimg" });
      const title = el("div", {}, [el("b", { textContent: (m.added_by === "guider" ? "Added" : "#" + m.rank) + "  " +
        clock(m.start_s) + "–" + clock(m.end_s) }), el("span", { className: "pill " + m.status, textContent: statusWord(m.status) })]);
      const reason = el("div", { className: "reason", textContent: m.note || (m.reasons || [])[0] || "" });
      const card = el("li", { className: "card" + (m.id === state.selectedId ? " selected" : ""), tabIndex: 0 },
        [image, el("div", { className: "meta" }, [title, reason])]);
      card.dataset.id = m.id;
      card.addEventListener("click", () => select(m.id, true));
      card.addEventListener("keydown", (event) => { if (event.key === "Enter") select(m.id, true); });
      return card;
    }));

    $("empty").hidden = all.length > 0;
    $("editor-body").hidden = all.length === 0;
    renderEditor();
    renderStrip();
    const swapped = Boolean(state.doc.roles_swapped);
    $("roles-state").textContent = swapped ? "You said the baby and parent were the wrong way round: teaching clips follow your choice."
      : "The program decided which face is the baby (amber) and which is the parent (blue).";
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

    $("reasons").replaceChildren(...(m.reasons || []).map((r) => el("li", { textContent: r })));
    const scores = [];
    state.principles.forEach((p) => {
      const value = (m.scores || {})[p.key];
      if (value === undefined || value === null) return;
      const bar = el("div", { className: "bar" }, [el("i")]);
      bar.firstChild.style.width = Math.round(100 * Math.max(0, Math.min(1, value))) + "%";
      scores.push(el("span", { textContent: p.title }), bar);
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
    updatePlayhead();
  }

  function updatePlayhead() {
    const t = $("player").currentTime || 0;
    $("now-time").textContent = clock(t);
    if (state.duration) $("strip-head").style.left = (100 * t / state.duration) + "%";
  }

  // ---- actions -----------------------------------------------------------------------------------------------------------

  function select(id, seek) {
    state.selectedId = id;
    state.playingMoment = false;
    render();
    const m = selected();
    if (m && seek) seekTo(m.start_s);
    const card = document.querySelector('.card[data-id="' + CSS.escape(id) + '"]');
    if (card) card.scrollIntoView({ block: "nearest" });
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

  function setIn() {
    const m = selected();
    if (!m) return;
    const t = round3($("player").currentTime || 0);
    const fields = { start_s: t };
    if (t > m.end_s - MIN_LEN_S) fields.end_s = round3(Math.min(state.duration, t + Math.max(1, m.end_s - m.start_s)));
    decide(fields);
  }

  function setOut() {
    const m = selected();
    if (!m) return;
    const t = round3($("player").currentTime || 0);
    const fields = { end_s: t };
    if (t < m.start_s + MIN_LEN_S) fields.start_s = round3(Math.max(0, t - Math.max(1, m.end_s - m.start_s)));
    decide(fields);
  }

  function toggleTag(key) {
    const m = selected();
    if (!m) return;
    const tags = new Set(m.tags || []);
    if (tags.has(key)) tags.delete(key); else tags.add(key);
    decide({ tags: Array.from(tags) });
  }

  async function addMoment() {
    if (!state.doc) return;
    let start = round3($("player").currentTime || 0);
    let end = round3(Math.min(state.duration, start + NEW_MOMENT_S));
    if (end - start < 1) { start = round3(Math.max(0, state.duration - NEW_MOMENT_S)); end = round3(state.duration); }
    const payload = await change("/api/moments", { start_s: start, end_s: end, status: "confirmed" });
    if (payload && payload.added_id) {
      select(payload.added_id, false);
      showBanner("Moment added at " + clock(start) + ". Trim it with Start here / End here.", "ok");
    }
  }

  async function exportClips() {
    state.busy = true;
    render();
    showBanner("Cutting the confirmed clips… this takes a few seconds per clip.", "");
    try {
      const payload = await request("POST", "/api/export", { annotate: $("annotate").checked });
      const n = payload.clips.length;
      showBanner(n + " clip" + (n === 1 ? "" : "s") + " saved in " + payload.folder +
        " (with the pictures and a one-page contact sheet).", "ok");
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
  $("swap-roles").addEventListener("click", () => change("/api/roles", { swapped: !state.doc.roles_swapped }));
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

  $("strip").addEventListener("click", (event) => {
    const rect = $("strip").getBoundingClientRect();
    const t = state.duration * (event.clientX - rect.left) / rect.width;
    const id = event.target.dataset ? event.target.dataset.id : undefined;
    if (id) state.selectedId = id;
    state.playingMoment = false;
    render();
    seekTo(t);
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
    if (target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type !== "checkbox"))) {
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
