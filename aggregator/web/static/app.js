// esdoctor console: plain JavaScript, no dependencies. It reads the HTTP API
// and follows /api/v1/events (Server-Sent Events) for live updates.
"use strict";

const SEV_RANK = { critical: 0, error: 1, warning: 2, info: 3 };
const state = {
  token: sessionStorage.getItem("esdoctor.token") || "",
  diags: new Map(),      // id -> diagnosis (summary fields are what the list needs)
  listState: "open",     // the state the list was fetched for
  clusters: null,        // GET /api/v1/clusters
  fresh: new Set(),      // ids to highlight once
  view: "overview",
  detailID: "",
  es: null,
  renderQueued: false,
};

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

// ---------- API ----------
class AuthError extends Error {}
async function api(path, opts = {}) {
  const headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const resp = await fetch(path, Object.assign({}, opts, { headers }));
  if (resp.status === 401) { showAuth("This aggregator needs a token from this address."); throw new AuthError("401"); }
  let body = null;
  try { body = await resp.json(); } catch (e) { body = null; }
  if (!resp.ok) throw new Error((body && body.error) || resp.status + " " + resp.statusText);
  return body;
}

function showAuth(msg) {
  $("#auth").hidden = false;
  $("#auth-error").textContent = msg || "";
}

// ---------- time ----------
function ago(t, now) {
  if (!t) return "—";
  let s = Math.round(((now || Date.now()) - new Date(t).getTime()) / 1000);
  const neg = s < 0; s = Math.abs(s);
  let out;
  if (s < 60) out = s + "s";
  else if (s < 3600) out = Math.floor(s / 60) + "m";
  else if (s < 86400) out = Math.floor(s / 3600) + "h" + (Math.floor(s / 60) % 60 ? (Math.floor(s / 60) % 60) + "m" : "");
  else out = Math.floor(s / 86400) + "d" + (Math.floor(s / 3600) % 24) + "h";
  return neg ? "in " + out : out + " ago";
}
function stamp(t) {
  if (!t) return "—";
  const d = new Date(t);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}
function timeEl(t) { return t ? `<time datetime="${esc(t)}" title="${esc(stamp(t))}">${esc(ago(t))}</time>` : "—"; }

// ---------- helpers ----------
function sevBadge(sev) { return sev ? `<span class="badge b-${esc(sev)}">${esc(sev)}</span>` : `<span class="badge b-ok">ok</span>`; }
function ackBadge(a) {
  if (!a) return "";
  const until = a.until ? " until " + stamp(a.until) : "";
  const label = a.kind === "mute" ? "muted" : "acknowledged";
  return ` <span class="badge b-${esc(a.kind)}" title="${esc(label + " by " + a.by + until + ": " + a.reason)}">${esc(label)}</span>`;
}
function connection(d) {
  const c = d.clusters || [];
  if (c.length >= 2) return `${esc(c[0])} → <span class="code">${esc(d.alias || "?")}</span> → ${esc(c[1])}`;
  if (c.length === 1) return esc(c[0]) + (d.alias ? ` → <span class="code">${esc(d.alias)}</span>` : "");
  return "—";
}
function nodeList(ns, max) {
  ns = ns || [];
  const names = ns.slice(0, max).map((n) => esc(n.cluster + "/" + n.node));
  if (ns.length > max) names.push(`+${ns.length - max} more`);
  return names.join(", ") || "—";
}
function announce(text) { $("#announce").textContent = text; }
function worse(a, b) { return (SEV_RANK[a] ?? 9) <= (SEV_RANK[b] ?? 9) ? a : b; }
function scheduleRender() {
  if (state.renderQueued) return;
  state.renderQueued = true;
  requestAnimationFrame(() => { state.renderQueued = false; render(); });
}

// ---------- data ----------
async function loadDiagnoses() {
  const st = $("#f-state").value;
  const ds = await api("/api/v1/diagnoses?state=" + encodeURIComponent(st));
  state.diags = new Map(ds.map((d) => [d.id, d]));
  state.listState = st;
  fillSelects();
  scheduleRender();
}
async function loadClusters() {
  state.clusters = await api("/api/v1/clusters");
  state.clustersFetchedAt = Date.now();
  fillSelects();
  scheduleRender();
}

function fillSelects() {
  const fill = (sel, values) => {
    const el = $(sel), cur = el.value;
    const have = new Set(Array.from(el.options).map((o) => o.value));
    const want = Array.from(values).sort();
    if (want.every((v) => have.has(v)) && have.size === want.length + 1) return;
    el.innerHTML = `<option value="">any</option>` + want.map((v) => `<option>${esc(v)}</option>`).join("");
    el.value = want.includes(cur) ? cur : "";
  };
  const clusters = new Set(), codes = new Set();
  for (const d of state.diags.values()) { (d.clusters || []).forEach((c) => clusters.add(c)); codes.add(d.code); }
  if (state.clusters) state.clusters.clusters.forEach((c) => clusters.add(c.name));
  fill("#f-cluster", clusters);
  fill("#f-code", codes);
}

// ---------- live updates ----------
function connectEvents() {
  if (state.es) state.es.close();
  let url = "/api/v1/events";
  if (state.token) url += "?access_token=" + encodeURIComponent(state.token);
  const es = new EventSource(url);
  state.es = es;
  const live = $("#live");
  es.addEventListener("hello", () => {
    live.textContent = "live"; live.className = "live on";
    // Whatever happened while disconnected: reload.
    loadDiagnoses().catch(() => {});
    loadClusters().catch(() => {});
  });
  es.addEventListener("diagnosis", (ev) => {
    const c = JSON.parse(ev.data);
    const d = c.diagnosis;
    const prev = state.diags.get(d.id);
    if (!prev && c.change === "opened") {
      state.fresh.add(d.id);
      announce(`New ${d.severity} diagnosis: ${d.code} ${(d.clusters || []).join(" → ")}`);
    }
    if (c.change === "resolved") announce(`Resolved: ${d.code} ${(d.clusters || []).join(" → ")}`);
    state.diags.set(d.id, d);
    document.body.dataset.lastEvent = c.change + ":" + d.id;
    fillSelects();
    scheduleRender();
    if (state.view === "detail" && state.detailID === d.id) loadDetail(d.id);
    clearTimeout(state.clusterTimer);
    state.clusterTimer = setTimeout(() => loadClusters().catch(() => {}), 300);
  });
  es.addEventListener("ack", (ev) => {
    const a = JSON.parse(ev.data);
    const d = state.diags.get(a.id);
    if (d) { d.ack = a.ack || undefined; scheduleRender(); }
    if (state.view === "detail" && state.detailID === a.id) loadDetail(a.id);
    clearTimeout(state.clusterTimer);
    state.clusterTimer = setTimeout(() => loadClusters().catch(() => {}), 300);
  });
  es.onerror = () => { live.textContent = "reconnecting…"; live.className = "live off"; };
}

// ---------- rendering ----------
function render() {
  renderTotals();
  if (state.view === "overview") renderOverview();
  if (state.view === "diagnoses") renderList();
}

function renderTotals() {
  let crit = 0, err = 0, warn = 0, acked = 0;
  for (const d of state.diags.values()) {
    if (d.state !== "open") continue;
    if (d.ack) { acked++; continue; }
    if (d.severity === "critical") crit++; else if (d.severity === "error") err++; else if (d.severity === "warning") warn++;
  }
  const known = state.listState !== "resolved";
  $("#totals").innerHTML = known
    ? `${crit ? `<span class="badge b-critical">${crit} critical</span> ` : ""}<span class="badge b-error">${err} error</span> <span class="badge b-warning">${warn} warning</span>${acked ? ` <span class="badge b-ack">${acked} acknowledged</span>` : ""}`
    : "";
}

function renderOverview() {
  const cg = state.clusters;
  if (!cg) return;
  // Ages on the aggregator's clock (the browser's may differ).
  const now = new Date(cg.now).getTime() + (Date.now() - (state.clustersFetchedAt || Date.now()));
  const rows = cg.links.map((l) => {
    const sev = l.worst || "ok";
    const first = (l.diagnoses || [])[0];
    const status = first ? `<a href="#/d/${esc(first)}">${sevBadge(l.worst)}</a>` : sevBadge(l.worst);
    return `<tr class="sev-${esc(sev)}"><td>${status}${l.acked ? ` <span class="badge b-ack">${l.acked} ack</span>` : ""}</td>
      <td>${esc(l.local)}</td><td class="code">${esc(l.alias)}</td><td>${esc(l.remote || "unknown")}</td><td>${esc(l.mode || "—")}</td>
      <td>${l.auth === "api_key" ? "API key" : "certificate"}</td><td class="code">${esc((l.seeds || []).join(", ") || "—")}</td>
      <td class="num"><a href="#/diagnoses?cluster=${encodeURIComponent(l.local)}">${l.open}</a></td></tr>`;
  });
  $("#pairs tbody").innerHTML = rows.join("") || `<tr><td colspan="8">No remote cluster is configured on any node the agents report.</td></tr>`;

  const cards = cg.clusters.map((c) => {
    const sev = c.worst || "ok";
    const silent = c.nodes.filter((n) => n.silent).length;
    const unreadable = c.nodes.filter((n) => n.unreadable && n.unreadable.length).length;
    const versions = Array.from(new Set(c.nodes.map((n) => n.es_version).filter(Boolean))).join(", ") || "—";
    const nodeRows = c.nodes.map((n) => {
      const un = (n.unreadable || []).map((e) => `<li><span class="code">${esc(e.file)}</span>: ${esc(e.error)}</li>`).join("");
      return `<tr><td>${esc(n.node)}</td><td class="code">${esc(n.host || "")}</td><td>${esc(n.es_version || "—")}</td>
        <td class="${n.silent ? "stale" : ""}">${n.last_heartbeat ? esc(ago(n.last_heartbeat, now)) : "never"}${n.silent ? " (silent)" : ""}</td>
        <td>${un ? `<details><summary>${n.unreadable.length}</summary><ul>${un}</ul></details>` : "0"}</td></tr>`;
    }).join("");
    const open = c.nodes.length > 12 ? "" : " open";
    return `<article class="card sev-${esc(sev)}" aria-label="cluster ${esc(c.name)}">
      <h3>${esc(c.name)} ${sevBadge(c.worst)} <a href="#/diagnoses?cluster=${encodeURIComponent(c.name)}">${c.open} open</a>${c.acked ? ` <span class="badge b-ack">${c.acked} ack</span>` : ""}</h3>
      <p class="hint">${c.nodes.length} node(s) · ES ${esc(versions)}${silent ? ` · <span class="stale">${silent} agent(s) silent</span>` : ""}${unreadable ? ` · ${unreadable} node(s) with unreadable inputs` : ""}</p>
      <details${open}><summary>agents</summary>
      <table class="grid"><thead><tr><th scope="col">Node</th><th scope="col">Host</th><th scope="col">ES</th><th scope="col">Heartbeat</th><th scope="col">Unreadable inputs</th></tr></thead>
      <tbody>${nodeRows}</tbody></table></details></article>`;
  });
  $("#clusters").className = "cards";
  $("#clusters").innerHTML = cards.join("") || `<p>No agent has reported yet.</p>`;
}

function filtered() {
  const sev = $("#f-sev").value, cl = $("#f-cluster").value, code = $("#f-code").value;
  const text = $("#f-text").value.trim().toLowerCase(), acked = $("#f-acked").checked, st = $("#f-state").value;
  const out = [];
  for (const d of state.diags.values()) {
    if (st !== "all" && d.state !== st) continue;
    if (sev && (SEV_RANK[d.severity] ?? 9) > SEV_RANK[sev]) continue;
    if (cl && !(d.clusters || []).includes(cl)) continue;
    if (code && d.code !== code) continue;
    if (!acked && d.ack) continue;
    if (text) {
      const hay = [d.code, d.title, d.alias, d.id, (d.clusters || []).join(" "), (d.nodes || []).map((n) => n.cluster + "/" + n.node).join(" ")].join(" ").toLowerCase();
      if (!hay.includes(text)) continue;
    }
    out.push(d);
  }
  out.sort((a, b) => (a.state === b.state ? 0 : a.state === "open" ? -1 : 1) ||
    (SEV_RANK[a.severity] ?? 9) - (SEV_RANK[b.severity] ?? 9) || a.code.localeCompare(b.code) ||
    (a.clusters || []).join().localeCompare((b.clusters || []).join()) || a.id.localeCompare(b.id));
  return out;
}

function renderList() {
  const ds = filtered();
  $("#dg-count").textContent = `${ds.length} of ${state.diags.size} diagnoses shown`;
  const rows = ds.map((d) => {
    const fresh = state.fresh.has(d.id) ? " fresh" : "";
    return `<tr class="sev-${esc(d.severity)}${fresh}" data-id="${esc(d.id)}">
      <td>${sevBadge(d.severity)}</td>
      <td><a class="code" href="#/d/${esc(d.id)}">${esc(d.code)}</a><span class="title">${esc(d.title)}</span></td>
      <td>${connection(d)}</td><td>${nodeList(d.nodes, 3)}</td>
      <td>${timeEl(d.first_seen)}</td><td>${timeEl(d.last_seen)}</td><td class="num">${d.count}</td>
      <td><span class="badge b-${esc(d.state)}">${esc(d.state)}</span>${ackBadge(d.ack)}</td></tr>`;
  });
  state.fresh.clear();
  $("#diagnoses tbody").innerHTML = rows.join("") || `<tr><td colspan="8">No diagnosis matches.</td></tr>`;
}

// ---------- detail ----------
async function loadDetail(id) {
  const box = $("#detail");
  try {
    const [d, acks] = await Promise.all([
      api("/api/v1/diagnoses/" + encodeURIComponent(id)),
      api("/api/v1/diagnoses/" + encodeURIComponent(id) + "/acks").catch(() => []),
    ]);
    state.diags.set(d.id, Object.assign(state.diags.get(d.id) || {}, d));
    renderDetail(d, acks || []);
  } catch (e) {
    if (!(e instanceof AuthError)) box.innerHTML = `<p class="error" role="alert">${esc(e.message)}</p>`;
  }
}

function evidenceBlock(ev) {
  const where = [ev.node ? `${ev.cluster}/${ev.node}` : ev.cluster, ev.file ? ev.file + (ev.line ? ":" + ev.line : "") : ""].filter(Boolean).join(" · ");
  const when = ev.time ? stamp(ev.time) : "";
  const count = ev.count > 1 ? ` · ${ev.count}× since ${stamp(ev.first_time)}` : "";
  return `<div class="ev"><div class="meta"><span class="code">${esc(where)}</span>${when ? " · " + esc(when) : ""}${esc(count)}${ev.symptom ? ` · <span class="code">${esc(ev.symptom)}</span>` : ""}</div><pre>${esc(ev.text)}</pre></div>`;
}

function copyBlock(text, label) {
  return `<div class="copyable"><pre>${esc(text)}</pre><button type="button" class="copy" data-copy="${esc(text)}" aria-label="Copy ${esc(label)}">Copy</button></div>`;
}

function factValue(v) {
  if (v == null) return "";
  if (typeof v === "string") return esc(v);
  return `<span class="code">${esc(JSON.stringify(v))}</span>`;
}

function certTable(cmp) {
  if (!cmp || !cmp.remote_certificates || !cmp.remote_certificates.length) return "";
  const rows = cmp.remote_certificates.map((c) => `<tr><td>${esc(c.cluster + "/" + c.node)}</td><td class="code">${esc(c.subject)}</td>
    <td class="code ${c.trusted ? "good" : "bad"}">${esc(c.issuer)}<br>${c.trusted ? "trusted by every local node" : "NOT trusted by: " + esc((c.untrusted_by || []).join(", "))}</td>
    <td class="code ${c.seed_match === false ? "bad" : "good"}">${esc((c.sans || []).join(", ") || "none")}${c.seed_host ? `<br>${c.seed_match ? "holds" : "does NOT hold"} ${esc(c.seed_host)}` : ""}</td>
    <td class="${c.valid_now ? "good" : "bad"}">${esc(stamp(c.not_before))} → ${esc(stamp(c.not_after))}${c.valid_now ? "" : " (NOT valid now)"}</td></tr>`).join("");
  const trust = (cmp.local_trust || []).map((t) => `<li>${esc(t.cluster + "/" + t.node)} <span class="code">${esc(t.setting)}</span>: ${esc((t.cas || []).join("; ") || "the JDK's default trust")}</li>`).join("");
  return `<h3>Certificates compared</h3><div class="tablewrap"><table class="grid cmp"><thead><tr><th scope="col">Remote node</th><th scope="col">Subject</th><th scope="col">Issuer vs trusted CAs</th><th scope="col">SANs vs seed host</th><th scope="col">Validity</th></tr></thead><tbody>${rows}</tbody></table></div>
    ${trust ? `<p class="hint">Local trust (${esc(cmp.profile || "")}):</p><ul>${trust}</ul>` : ""}`;
}

function renderDetail(d, acks) {
  const bySide = { local: [], remote: [], config: [], probe: [] };
  (d.evidence || []).forEach((e) => (bySide[e.side] || bySide.config).push(e));
  const c = d.clusters || [];
  const side = (name, title, evs) => `<section class="side" aria-label="${esc(name)} evidence"><h3>${esc(title)}</h3>${evs.map(evidenceBlock).join("") || `<p class="hint">No ${esc(name.toLowerCase())} evidence.</p>`}</section>`;
  const facts = Object.keys(d.facts || {}).sort().map((k) => `<tr><td>${esc(k)}</td><td>${factValue(d.facts[k])}</td></tr>`).join("");
  const fix = d.fix || {};
  const settings = Object.keys(fix.settings || {}).sort().map((k) => `${k}: ${fix.settings[k]}`).join("\n");
  const history = [];
  history.push({ t: d.first_seen, text: "opened (first evidence)" });
  (d.history || []).forEach((h) => history.push({ t: h.time || h.at, text: (h.change || h.state || h.kind || "") + (h.reopened ? " (reopened)" : "") }));
  acks.forEach((a) => history.push({ t: a.at, text: `${a.action === "ack" ? "acknowledged" : a.action === "mute" ? "muted" : a.action === "unack" ? "unacknowledged" : "acknowledgement cleared"} by ${a.by}${a.until ? " until " + stamp(a.until) : ""}${a.reason ? ": " + a.reason : ""}` }));
  if (d.resolved_at && !(d.history || []).length) history.push({ t: d.resolved_at, text: "resolved" });
  history.sort((a, b) => new Date(a.t) - new Date(b.t));
  const ackButtons = d.ack
    ? `<button type="button" id="btn-unack">Unacknowledge</button>`
    : `${d.state === "open" ? `<button type="button" class="primary" id="btn-ack">Acknowledge</button>` : ""}<button type="button" id="btn-mute">Mute…</button>`;
  $("#detail").innerHTML = `
    <div class="dhead">${sevBadge(d.severity)} <h2 id="dt-title"><span class="code">${esc(d.code)}</span> ${esc(d.title)}</h2>
      <span class="badge b-${esc(d.state)}">${esc(d.state)}</span>${ackBadge(d.ack)}</div>
    <p>${connection(d)} · seen ${esc(d.count)}× · first ${timeEl(d.first_seen)} · last ${timeEl(d.last_seen)} · <span class="code">id ${esc(d.id)}</span></p>
    ${d.ack ? `<p>${d.ack.kind === "mute" ? "Muted" : "Acknowledged"} by <strong>${esc(d.ack.by)}</strong> ${timeEl(d.ack.at)}${d.ack.until ? " until " + esc(stamp(d.ack.until)) : ""}: ${esc(d.ack.reason)}</p>` : ""}
    <div class="actions">${ackButtons}</div>
    <p>${esc(d.explanation)}</p>
    <h3>Evidence</h3>
    <div class="sides">${side("Local", "LOCAL" + (c[0] ? " · " + c[0] : ""), bySide.local)}${side("Remote", "REMOTE" + (c[1] ? " · " + c[1] : ""), bySide.remote)}</div>
    ${bySide.config.length || bySide.probe.length ? `<div class="sides">${side("Configuration", "Configuration", bySide.config)}${side("Probe", "Probes", bySide.probe)}</div>` : ""}
    <div id="certs"></div>
    <h3>Fix</h3>
    <p>${esc(fix.summary)}</p>
    ${settings ? `<p class="hint">Settings (elasticsearch.yml or the cluster settings API):</p>${copyBlock(settings, "settings")}` : ""}
    ${(fix.commands || []).map((cmd, i) => copyBlock(cmd, "command " + (i + 1))).join("")}
    <p>Apply on: ${nodeList(fix.nodes, 50)}</p>
    ${facts ? `<h3>Facts the rule used</h3><table class="grid facts"><tbody>${facts}</tbody></table>` : ""}
    <h3>History</h3><ol class="timeline">${history.map((h) => `<li><time datetime="${esc(h.t)}">${esc(stamp(h.t))}</time>${esc(h.text)}</li>`).join("")}</ol>`;
  const ack = $("#btn-ack"), mute = $("#btn-mute"), unack = $("#btn-unack");
  if (ack) ack.onclick = () => openAck(d, "ack");
  if (mute) mute.onclick = () => openAck(d, "mute");
  if (unack) unack.onclick = () => openAck(d, "unack");
  if (c.length >= 2 && d.alias) {
    api("/api/v1/diagnoses/" + encodeURIComponent(d.id) + "/certificates").then((cmp) => { const el = $("#certs"); if (el) el.innerHTML = certTable(cmp); }).catch(() => {});
  }
}

// ---------- acknowledge ----------
function openAck(d, action) {
  const dlg = $("#ack-dialog");
  $("#ack-title").textContent = action === "ack" ? "Acknowledge" : action === "mute" ? "Mute" : "Unacknowledge";
  $("#ack-submit").textContent = $("#ack-title").textContent;
  $("#ack-what").textContent = `${d.code} · ${(d.clusters || []).join(" → ")}${d.alias ? " (" + d.alias + ")" : ""}`;
  $("#ack-by").value = localStorage.getItem("esdoctor.by") || "";
  $("#ack-reason").value = "";
  $("#ack-error").textContent = "";
  const sel = $("#ack-for");
  sel.disabled = action === "unack";
  sel.options[0].disabled = action === "mute";
  sel.value = action === "mute" ? "4h" : "";
  dlg.dataset.id = d.id;
  dlg.dataset.action = action;
  dlg.showModal();
  ($("#ack-by").value ? $("#ack-reason") : $("#ack-by")).focus();
}

async function submitAck(ev) {
  ev.preventDefault();
  const dlg = $("#ack-dialog");
  const by = $("#ack-by").value.trim(), reason = $("#ack-reason").value.trim(), dur = $("#ack-for").value;
  if (!by || !reason) { $("#ack-error").textContent = "Who and why are both needed."; return; }
  localStorage.setItem("esdoctor.by", by);
  const body = { by, reason };
  if (dur && dlg.dataset.action !== "unack") body.for = dur;
  try {
    const d = await api(`/api/v1/diagnoses/${encodeURIComponent(dlg.dataset.id)}/${dlg.dataset.action}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    dlg.close();
    state.diags.set(d.id, Object.assign(state.diags.get(d.id) || {}, d));
    announce(`${d.code}: ${dlg.dataset.action === "unack" ? "acknowledgement removed" : dlg.dataset.action === "mute" ? "muted" : "acknowledged"}`);
    loadDetail(d.id);
    scheduleRender();
  } catch (e) {
    $("#ack-error").textContent = e instanceof AuthError ? "A token is needed (an ack token to acknowledge)." : e.message;
  }
}

// ---------- routing ----------
function route() {
  const h = location.hash || "#/";
  let view = "overview", id = "";
  if (h.startsWith("#/d/")) { view = "detail"; id = decodeURIComponent(h.slice(4)); }
  else if (h.startsWith("#/diagnoses")) {
    view = "diagnoses";
    const q = new URLSearchParams(h.split("?")[1] || "");
    if (q.has("cluster")) { fillSelects(); const sel = $("#f-cluster"); if (!Array.from(sel.options).some((o) => o.value === q.get("cluster"))) sel.insertAdjacentHTML("beforeend", `<option>${esc(q.get("cluster"))}</option>`); sel.value = q.get("cluster"); }
  }
  state.view = view;
  state.detailID = id;
  $("#view-overview").hidden = view !== "overview";
  $("#view-diagnoses").hidden = view !== "diagnoses";
  $("#view-detail").hidden = view !== "detail";
  $("#nav-overview").toggleAttribute("aria-current", view === "overview");
  $("#nav-diagnoses").toggleAttribute("aria-current", view === "diagnoses" || view === "detail");
  if (view === "overview") $("#nav-overview").setAttribute("aria-current", "page");
  if (view !== "overview") $("#nav-diagnoses").setAttribute("aria-current", "page");
  if (view === "detail") { $("#detail").innerHTML = "<p>Loading…</p>"; loadDetail(id); }
  if (view === "overview") loadClusters().catch(() => {});
  scheduleRender();
}

// ---------- start ----------
function start() {
  $("#auth-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.token = $("#auth-token").value.trim();
    sessionStorage.setItem("esdoctor.token", state.token);
    $("#auth").hidden = true;
    refresh();
    connectEvents();
  });
  $("#ack-form").addEventListener("submit", submitAck);
  $("#ack-cancel").addEventListener("click", () => $("#ack-dialog").close());
  $("#f-state").addEventListener("change", () => loadDiagnoses().catch(() => {}));
  for (const id of ["#f-sev", "#f-cluster", "#f-code", "#f-acked"]) $(id).addEventListener("change", scheduleRender);
  $("#f-text").addEventListener("input", scheduleRender);
  $("#filters").addEventListener("submit", (ev) => ev.preventDefault());
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("button.copy");
    if (!b) return;
    const text = b.dataset.copy;
    const done = () => { b.textContent = "Copied"; setTimeout(() => (b.textContent = "Copy"), 1500); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
    else fallbackCopy(text, done);
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "/" && !/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) {
      ev.preventDefault();
      location.hash = "#/diagnoses";
      $("#f-text").focus();
    }
  });
  window.addEventListener("hashchange", route);
  route();
  refresh();
  connectEvents();
  // Heartbeat ages and agents: every 5 s (diagnoses come live).
  setInterval(() => { if (!document.hidden) loadClusters().catch(() => {}); }, 5000);
  setInterval(() => { if (!document.hidden && state.view === "diagnoses") scheduleRender(); }, 15000);
}

function fallbackCopy(text, done) {
  const ta = document.createElement("textarea");
  ta.value = text; ta.setAttribute("readonly", ""); ta.style.position = "fixed"; ta.style.opacity = "0";
  document.body.appendChild(ta); ta.select();
  try { document.execCommand("copy"); done(); } catch (e) { /* nothing to do */ }
  ta.remove();
}

function refresh() {
  loadDiagnoses().catch(() => {});
  loadClusters().catch(() => {});
}

document.addEventListener("DOMContentLoaded", start);
