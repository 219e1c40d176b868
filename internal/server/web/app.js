// nlcron playground: plain JavaScript, no build step.
"use strict";

const $ = (id) => document.getElementById(id);

// ---- helpers -------------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function fmtTime(iso, zone) {
  if (!iso) return "—";
  const d = new Date(iso);
  try {
    return new Intl.DateTimeFormat(undefined, {
      timeZone: zone || "UTC", weekday: "short", year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short",
    }).format(d);
  } catch (_) {
    return iso;
  }
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// errorText turns an API error body into one line.
function errorText(body, status) {
  if (body && typeof body.detail === "string") return body.detail;
  if (body && Array.isArray(body.detail)) {
    return body.detail.map((d) => `${(d.loc || []).slice(1).join(".") || "body"}: ${d.msg}`).join("; ");
  }
  return `HTTP ${status}`;
}

// ---- phrase tester -------------------------------------------------------

let phraseSeq = 0;
let phraseTimer = 0;

function schedulePhrase() {
  clearTimeout(phraseTimer);
  phraseTimer = setTimeout(checkPhrase, 120);
}

async function checkPhrase() {
  const text = $("phrase").value;
  const tz = $("tz").value.trim();
  const seq = ++phraseSeq;
  if (text.trim() === "") {
    showPhrase(null);
    return;
  }
  const q = new URLSearchParams({ cron: text });
  if (tz) q.set("timezone", tz);
  let res, body;
  try {
    res = await fetch(`/playground/text-to-cron?${q}`);
    body = await res.json();
  } catch (e) {
    if (seq === phraseSeq) showPhraseError(text, { detail: "The server did not answer: " + e.message }, 0);
    return;
  }
  if (seq !== phraseSeq) return; // a newer request is on its way
  if (res.ok) showPhrase(body);
  else showPhraseError(text, body, res.status);
}

function showPhrase(ans) {
  $("idle").hidden = ans !== null;
  $("phrase-error").hidden = true;
  $("phrase-ok").hidden = ans === null;
  const warn = $("warn-out");
  warn.replaceChildren();
  warn.hidden = true;
  if (!ans) return;
  $("cron-out").textContent = ans.data;
  $("desc-out").textContent = ans.description || "—";
  $("zone-out").textContent = ans.timezone;
  const next = $("next-out");
  next.replaceChildren(...ans.next_runs.map((t) =>
    el("li", {}, el("time", { dateTime: t, text: fmtTime(t, ans.timezone) }),
      ans.timezone !== "UTC" ? el("span", { class: "utc", text: fmtTime(t, "UTC") }) : null)));
  if (ans.warnings && ans.warnings.length) {
    warn.replaceChildren(...ans.warnings.map((w) => el("li", { text: w })));
    warn.hidden = false;
  }
}

// showPhraseError shows the refused phrase with the wrong word marked.
function showPhraseError(text, body, status) {
  $("idle").hidden = true;
  $("phrase-ok").hidden = true;
  $("warn-out").hidden = true;
  $("phrase-error").hidden = false;
  const p = $("err-phrase");
  const loc = body && body.error;
  if (loc && loc.position > 0) {
    const chars = Array.from(text);
    const start = loc.position - 1;
    const end = start + Math.max(loc.length, 1);
    p.replaceChildren(chars.slice(0, start).join(""),
      el("mark", { class: "bad", text: chars.slice(start, end).join("") || " " }),
      chars.slice(end).join(""));
  } else {
    p.textContent = text;
  }
  $("err-msg").textContent = errorText(body, status);
}

// ---- API calls -----------------------------------------------------------

let apiKey = sessionStorage.getItem("nlcron-key") || "";

async function api(method, path, payload) {
  const opts = { method, headers: { Authorization: `Bearer ${apiKey}` } };
  if (payload !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(payload);
  }
  const res = await fetch(path, opts);
  let body = null;
  try { body = await res.json(); } catch (_) { /* empty body */ }
  if (!res.ok) {
    const err = new Error(errorText(body, res.status));
    err.status = res.status;
    throw err;
  }
  return body;
}

function setMsg(id, text, ok) {
  const m = $(id);
  m.textContent = text;
  m.className = ok === undefined ? "muted" : ok ? "msg-ok" : "msg-bad";
}

// ---- key -----------------------------------------------------------------

async function connect(ev) {
  if (ev) ev.preventDefault();
  const k = $("api-key").value.trim() || apiKey;
  if (!k) { setMsg("key-status", "Enter the API key the server printed when it started.", false); return; }
  apiKey = k;
  try {
    await loadSchedules();
  } catch (e) {
    setMsg("key-status", e.status === 401 ? "The server does not know this key." : e.message, false);
    $("signed-in").hidden = true;
    return;
  }
  sessionStorage.setItem("nlcron-key", apiKey);
  $("api-key").value = "";
  $("api-key").placeholder = "connected (key kept in this tab only)";
  $("disconnect").hidden = false;
  $("signed-in").hidden = false;
  setMsg("key-status", "Connected.", true);
  if (!$("create-chat").value) $("create-chat").value = uuid();
}

function disconnect() {
  apiKey = "";
  sessionStorage.removeItem("nlcron-key");
  $("signed-in").hidden = true;
  $("disconnect").hidden = true;
  $("api-key").placeholder = "nlc_… (printed by the server on first start)";
  setMsg("key-status", "Key forgotten.");
  $("api-key").focus();
}

// ---- schedules -----------------------------------------------------------

let selected = "";

async function loadSchedules() {
  const body = await api("GET", "/v1/schedules?limit=100");
  renderSchedules(body.data);
}

function renderSchedules(list) {
  const tb = $("schedules").querySelector("tbody");
  setMsg("list-msg", list.length ? "" : "No schedules yet: create one above.");
  tb.replaceChildren(...list.map((s) => {
    const status = s.active ? "active" : "paused";
    const row = el("tr", { "data-id": s.id, class: s.id === selected ? "selected" : "" },
      el("td", { class: "cadence" }, el("button", { type: "button", class: "link", text: s.cadence, title: "Show occurrences and runs", onclick: () => showDetail(s) })),
      el("td", {}, el("code", { text: s.cron }), el("div", { class: "muted", text: s.timezone })),
      el("td", {}, el("span", { class: `badge status ${status}`, text: status })),
      el("td", {}, s.next_run_at ? el("time", { dateTime: s.next_run_at, text: fmtTime(s.next_run_at, s.timezone) }) : "—"),
      el("td", {}, el("div", { class: "actions" },
        el("button", { type: "button", class: "small toggle " + (s.active ? "pause" : "resume"), text: s.active ? "Pause" : "Resume", onclick: () => setActive(s, !s.active) }),
        el("button", { type: "button", class: "small run", text: "Run now", onclick: () => runNow(s) }),
        el("button", { type: "button", class: "small danger delete", text: "Delete", onclick: () => remove(s) }))));
    return row;
  }));
}

async function act(fn, okText) {
  try {
    await fn();
    if (okText) setMsg("list-msg", okText, true);
    await loadSchedules();
    if (selected) await loadDetail(selected);
  } catch (e) {
    setMsg("list-msg", e.message, false);
  }
}

function setActive(s, active) {
  return act(() => api("PUT", `/v1/schedules/${s.id}`, { active }), active ? "Resumed." : "Paused.");
}

function runNow(s) {
  return act(() => api("POST", "/v1/agent-runs", {
    chat_id: s.chat_id, schedule_id: s.id, bundle: s.bundle, toolhouse_id: s.toolhouse_id, vars: s.vars,
  }), "Agent run queued.");
}

function remove(s) {
  if (!confirm(`Delete the schedule "${s.cadence}"?`)) return;
  if (selected === s.id) closeDetail();
  return act(() => api("DELETE", `/v1/schedules/${s.id}`), "Deleted.");
}

function parseVars(text) {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  if (!lines.length) return null;
  const vars = {};
  for (const l of lines) {
    const i = l.indexOf("=");
    if (i < 1) throw new Error(`Vars: "${l}" is not name=value`);
    vars[l.slice(0, i).trim()] = l.slice(i + 1).trim();
  }
  return vars;
}

async function create(ev) {
  ev.preventDefault();
  const payload = { chat_id: $("create-chat").value.trim(), cadence: $("create-cadence").value.trim() };
  const opt = { timezone: "create-tz", toolhouse_id: "create-th", bundle: "create-bundle", callback_url: "create-callback" };
  for (const [k, id] of Object.entries(opt)) {
    const v = $(id).value.trim();
    if (v) payload[k] = v;
  }
  try {
    const vars = parseVars($("create-vars").value);
    if (vars) payload.vars = vars;
    const body = await api("POST", "/v1/schedules", payload);
    const w = body.warnings && body.warnings.length ? ` Note: ${body.warnings.join(" ")}` : "";
    setMsg("create-msg", `Created: ${body.data.cron} (${body.data.timezone}).${w}`, true);
    $("create-cadence").value = "";
    await loadSchedules();
  } catch (e) {
    setMsg("create-msg", e.message, false);
  }
}

// ---- detail: occurrences and runs -----------------------------------------

async function showDetail(s) {
  selected = s.id;
  $("detail-h").textContent = `${s.cadence} · ${s.cron} (${s.timezone})`;
  $("detail").hidden = false;
  for (const tr of $("schedules").querySelectorAll("tbody tr")) tr.classList.toggle("selected", tr.dataset.id === s.id);
  await loadDetail(s.id);
  $("detail").focus();
}

function closeDetail() {
  selected = "";
  $("detail").hidden = true;
  for (const tr of $("schedules").querySelectorAll("tr.selected")) tr.classList.remove("selected");
}

async function loadDetail(id) {
  let occ, runs, zone = "UTC";
  try {
    const s = await api("GET", `/v1/schedules/${id}`);
    zone = s.data.timezone;
    occ = (await api("GET", `/v1/schedules/${id}/occurrences?limit=200`)).data;
    runs = (await api("GET", `/v1/agent-runs?schedule_id=${encodeURIComponent(id)}&limit=20`)).data;
  } catch (e) {
    setMsg("list-msg", e.message, false);
    return;
  }
  occ.sort((a, b) => (a.fire_time < b.fire_time ? 1 : -1));
  $("occ").replaceChildren(...(occ.length ? occ.map((o) => el("li", { class: "occ" },
    el("time", { dateTime: o.fire_time, text: fmtTime(o.fire_time, zone) }),
    el("span", { class: `badge ${o.outcome}`, text: o.outcome }),
    o.reason ? el("span", { class: "reason", text: o.reason.replace("_", " ") }) : null,
    o.through ? el("span", { class: "reason", text: `${o.count} fires, until ${fmtTime(o.through, zone)}` }) : null)) :
    [el("li", { class: "muted", text: "No fire times in this window." })]));
  $("runs").replaceChildren(...(runs.length ? runs.map((r) => el("li", { class: "run" },
    el("time", { dateTime: r.created_at, text: fmtTime(r.scheduled_for || r.created_at, zone) }),
    el("span", { class: `badge ${r.status}`, text: r.status.replace("_", " ") }),
    r.last_agent_message || r.error ? el("span", { class: "msg", text: r.error || r.last_agent_message }) : null)) :
    [el("li", { class: "muted", text: "No runs yet." })]));
}

// ---- wiring --------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("phrase").addEventListener("input", schedulePhrase);
  $("tz").addEventListener("input", schedulePhrase);
  for (const c of document.querySelectorAll(".chip")) {
    c.addEventListener("click", () => { $("phrase").value = c.dataset.phrase; checkPhrase(); $("phrase").focus(); });
  }
  $("key-form").addEventListener("submit", connect);
  $("disconnect").addEventListener("click", disconnect);
  $("create-form").addEventListener("submit", create);
  $("use-phrase").addEventListener("click", () => {
    $("create-cadence").value = $("phrase").value;
    if ($("tz").value.trim() && $("tz").value.trim() !== "UTC") $("create-tz").value = $("tz").value.trim();
    $("create-cadence").focus();
  });
  $("refresh").addEventListener("click", () => act(() => Promise.resolve()));
  $("detail-close").addEventListener("click", closeDetail);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && selected) closeDetail(); });
  if ($("phrase").value) checkPhrase();
  if (apiKey) connect();
});
