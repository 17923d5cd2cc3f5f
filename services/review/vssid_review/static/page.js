// The staff app (an ES module, no build step): sign-in, queue, one case, decisions, live events.
// A separate file: the page's CSP allows no inline script. The session is an HttpOnly cookie;
// every state-changing request carries the session's CSRF token in X-CSRF-Token.
import {onLanguage, say, t} from "./i18n.js";
import {cameraAvailable, referenceIn, startScan, stopScan} from "./scan.js";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));

const STATUS = {draft: "Bản nháp", submitted: "Đã nộp", awaiting_verification: "Chờ xác minh", verified: "Đã xác minh",
  rejected: "Từ chối", expired: "Hết hạn", withdrawn: "Đã rút"};
// The event feed in words, not codes.
const EVENT_WORDS = {submitted: "Đã nộp tờ khai", scanned: "Đã đọc mã QR và kiểm tra ảnh",
  awaiting_verification: "Chờ đối chiếu tại quầy", verified: "Đã xác minh", rejected: "Đã từ chối",
  expiring: "Đã nhắc: sắp hết hạn đến quầy", expired: "Đã hết hạn đến quầy", account_activated: "Đã kích hoạt tài khoản",
  account_held: "Giữ nguyên tài khoản đang hoạt động", copy_mailed: "Đã gửi bản sao tờ khai", notified: "Đã gửi tin nhắn SMS",
  withdrawn: "Người nộp đã rút hồ sơ"};
const GENDERS = {male: "Nam", female: "Nữ"};
const ID_TYPES = {cccd: "CCCD", cmnd: "CMND", passport: "Hộ chiếu"};
const KINDS = {portrait: "Ảnh chân dung", id_front: "Mặt trước giấy tờ", id_back: "Mặt sau giấy tờ"};
const SIDES = {id_front: "mặt trước", id_back: "mặt sau"};
const REASONS = ["Người nộp không đến đối chiếu giấy tờ bản gốc.", "Thông tin trên tờ khai không khớp với CCCD bản gốc.",
  "Ảnh chân dung không đúng người nộp.", "Giấy tờ tùy thân hết hạn hoặc không hợp lệ."];
const OPEN = "awaiting_verification";
const DUE_DAYS = 5;

// Dates as Vietnamese readers expect them: dd/mm/yyyy (and Vietnam time for moments).
const TIME = new Intl.DateTimeFormat("vi-VN", {timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit"});
function vnDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  return m ? `${m[3]}/${m[2]}/${m[1]}` : (iso || "");
}
function vnTime(iso) { const d = new Date(iso); return Number.isNaN(d.getTime()) ? (iso || "") : TIME.format(d); }
const DATE_FIELDS = new Set(["date_of_birth", "issued_on"]);
const word = (table, key) => (table[key] ? t(table[key]) : key);  // a code in words, in the page's language
const shown = (key, v) => key === "gender" ? word(GENDERS, v) : DATE_FIELDS.has(key) ? vnDate(v) : v;

let session = null;   // {operator, csrf_token}
let events = null;    // the EventSource

async function api(path, options = {}) {
  const headers = {...(options.headers || {})};
  if (options.method && options.method !== "GET") headers["X-CSRF-Token"] = session ? session.csrf_token : "";
  const res = await fetch(path, {...options, headers, credentials: "same-origin"});
  if (res.status === 401 && session) signedOut("Phiên làm việc đã hết hạn hoặc đã đăng xuất. Vui lòng đăng nhập lại.");
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error((body.detail && body.detail[0] && body.detail[0].message) || t("Lỗi {status}", {status: res.status}));
  }
  return res;
}

// ---- sign-in ----
function signedIn(body) {
  session = body;
  $("who-name").textContent = t("{name} – cơ quan BHXH {agency}", {name: body.operator.name, agency: body.operator.agency_code});
  $("who").hidden = false; $("signin-view").hidden = true; $("work").hidden = false;
  startEvents(); loadQueue().catch(showError);
}
function signedOut(message) {
  session = null;
  if (events) { events.close(); events = null; }
  stopScan(); scanButtons(false);
  $("who").hidden = true; $("work").hidden = true; $("signin-view").hidden = false;
  say($("signin-msg"), message || "");
  $("password").value = ""; $("code").value = "";
  $("login").focus();
}
$("signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = {login: $("login").value.trim(), password: $("password").value, code: $("code").value.trim()};
  if (!body.login || !body.password || !/^\d{6}$/.test(body.code)) {
    say($("signin-msg"), "Nhập tên đăng nhập, mật khẩu và mã xác thực 6 số."); return;
  }
  say($("signin-msg"), "Đang đăng nhập…");
  try { signedIn(await (await api("/v1/staff/session", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})).json()); }
  catch (err) { $("signin-msg").textContent = err.message; $("code").value = ""; }
});
$("signout").addEventListener("click", async () => {
  try { await api("/v1/staff/session", {method: "DELETE"}); } catch { /* signed out either way */ }
  signedOut("Đã đăng xuất.");
});

// ---- queue: loaded page by page, kept current from the live events (never refetched) ----
const queue = {rows: new Map(), next: null, total: 0, current: null};
function query() {
  const p = new URLSearchParams();
  if ($("status").value) p.set("status", $("status").value);
  if ($("q").value.trim()) p.set("q", $("q").value.trim());
  // The filters are the server's (CONTRACT §4 additions), so counts and pages include them.
  if ($("only-findings").checked) p.set("with_findings", "true");
  if ($("only-due").checked) p.set("due_within", String(DUE_DAYS));
  const s = p.toString();
  return "/v1/review/queue" + (s ? "?" + s : "");
}
function renderQueue() {
  const rows = [...queue.rows.values()];
  $("queue").innerHTML = rows.map((c) => `<tr class="case${c.id === queue.current ? " current" : ""}" data-id="${esc(c.id)}">`
    + `<td><button type="button" data-id="${esc(c.id)}">${esc(c.reference)}</button></td><td>${esc(word(STATUS, c.status))}</td>`
    + `<td>${esc(vnDate(c.deadline))}</td><td>${c.findings ? `<span class="warning">${esc(t("{n} cảnh báo", {n: c.findings}))}</span>` : ""}${c.qr_found === false ? ` <span class="warning">${esc(t("không đọc được QR"))}</span>` : ""}</td></tr>`).join("");
  $("shown").textContent = t("Đang hiện {shown} / {total} hồ sơ", {shown: rows.length, total: queue.total});
  $("more").hidden = !queue.next;
}
$("queue").addEventListener("click", (e) => {
  const tr = e.target.closest("tr.case"); if (tr) showCase(tr.dataset.id).catch(showError);
});
function nextPage(res) {
  const m = /<([^>]*)>\s*;\s*rel="next"/.exec(res.headers.get("Link") || "");
  if (!m) return null;
  const url = new URL(m[1], location.href);
  return url.pathname + url.search;
}
async function loadPage(path) {
  const res = await api(path);
  for (const c of await res.json()) queue.rows.set(c.id, c);
  queue.next = nextPage(res);
  queue.total = Number(res.headers.get("X-Total-Count") || queue.rows.size);
  renderQueue();
}
async function loadQueue() { queue.rows.clear(); queue.next = null; await loadPage(query()); }
// What a status change can tell of a loaded row against the filters: its status (a case due
// soon is an open one); its findings and deadline do not change once it is open.
function matchesFilter(status) {
  if ($("only-due").checked && status !== OPEN) return false;
  return !$("status").value || $("status").value === status;
}
function applyRow(c) {
  const known = queue.rows.get(c.id);
  if (!known) return;
  if (!matchesFilter(c.status)) { queue.rows.delete(c.id); queue.total -= 1; } else Object.assign(known, c);
  renderQueue();
}
// A case not in the rows (a new one from the feed, or one decided after the counter scan
// opened it): its row is asked of the server under the page's own filters, the reference as
// `q` (one indexed read), so findings and the deadline are judged as for the pages; the feed
// carries neither a findings count nor anything personal. While a search is on, the search
// decides what is listed (run it again to see new cases).
async function addIfListed(id, reference) {
  if ($("q").value.trim() || queue.rows.has(id)) return;
  const p = new URLSearchParams(query().split("?")[1] || "");
  p.set("q", reference); p.set("limit", "1");
  const row = (await (await api("/v1/review/queue?" + p)).json()).find((c) => c.id === id);
  if (!row || queue.rows.has(id)) return;
  // Oldest first (and soonest due: a new case's deadline is the latest): it belongs at the end,
  // so it is shown once the last page is loaded.
  queue.total += 1;
  if (!queue.next) queue.rows.set(id, row);
  renderQueue();
}
// Live changes to the queue, one at a time in the feed's order: a status change waits for the
// row a new case's lookup is still fetching.
let liveChanges = Promise.resolve();
function live(change) { liveChanges = liveChanges.then(change).catch(showError); }
$("search").addEventListener("submit", (e) => {
  e.preventDefault();
  loadQueue().catch(showError);
  // A reference (typed, or read off the applicant's paper) opens its case at once.
  const text = $("q").value.trim();
  if (/^\d{4}-[A-Z0-9]{4,}$/i.test(text)) showCase(text, true).catch(showError);
});
$("status").addEventListener("change", () => loadQueue().catch(showError));
for (const id of ["only-findings", "only-due"]) $(id).addEventListener("change", () => loadQueue().catch(showError));
$("more").addEventListener("click", () => queue.next && loadPage(queue.next).catch(showError));
// ---- the counter scan: the QR code on the applicant's copy (paper or phone) opens the case ----
function scanButtons(on) { $("scan").hidden = on; $("scan-stop").hidden = !on; }
$("scan").addEventListener("click", async () => {
  if (!cameraAvailable()) { say($("scan-msg"), "Trình duyệt không hỗ trợ camera; hãy nhập mã hồ sơ."); return; }
  // Shown before the camera opens: the very first frame may already hold the code.
  scanButtons(true);
  say($("scan-msg"), "Đưa mã QR trên tờ khai vào khung hình…");
  try { await startScan($("scan-video"), scanned); }
  catch { stopScan(); scanButtons(false); say($("scan-msg"), "Không mở được camera; hãy cho phép truy cập camera hoặc nhập mã hồ sơ."); }
});
$("scan-stop").addEventListener("click", () => { stopScan(); scanButtons(false); say($("scan-msg"), ""); });
function scanned(text) {
  const reference = referenceIn(text);
  if (!reference) { say($("scan-msg"), "Mã QR này không chứa mã hồ sơ."); return false; }  // scanning goes on
  scanButtons(false);
  say($("scan-msg"), "Đã đọc mã hồ sơ {reference}.", {reference});
  showCase(reference, true).catch((err) => { say($("scan-msg"), "Lỗi: {message}", {message: err.message}); });
  return true;
}
function showError(err) { say($("shown"), "Lỗi: {message}", {message: err.message}); }

// ---- one case ----
const COMPARED = [["full_name", "Họ và tên"], ["date_of_birth", "Ngày sinh"], ["gender", "Giới tính"], ["id_number", "Số giấy tờ"],
  ["issued_on", "Ngày cấp"], ["address", "Địa chỉ"], ["social_insurance_number", "Mã số BHXH"]];
const OTHER = [["nationality", "Quốc tịch"], ["phone", "Điện thoại"], ["email", "Email"], ["agency_code", "Cơ quan BHXH"]];
function typedValue(f, key) {
  const doc = f.id_document || {};
  if (key === "id_number") return doc.number;
  if (key === "issued_on") return doc.issued_on;
  return f[key];
}
// The applicant's consent as intake recorded it (version and time; Law 91/2025 asks it be provable).
function consentText(consent) {
  if (!consent || !consent.accepted) return t("Chưa có");
  return t("Đã đồng ý, phiên bản {version}", {version: consent.version}) + (consent.at ? t(", lúc {time}", {time: vnTime(consent.at)}) : "");
}
function compareTable(c) {
  const f = c.fields || {};
  const card = (c.enrichment && c.enrichment.card) || {};
  const differing = new Set((c.discrepancies || []).map((d) => d.field));
  const rows = COMPARED.map(([key, label]) => {
    const typed = typedValue(f, key); const qr = card[key];
    const diff = differing.has(key) || differing.has(key === "id_number" ? "id_document.number" : key)
      || (qr != null && typed != null && String(qr) !== String(typed));
    return `<tr class="${diff ? "diff" : ""}"><th scope="row">${esc(t(label))}</th><td>${esc(shown(key, typed))}</td><td>${qr == null ? "—" : esc(shown(key, qr))}</td></tr>`;
  }).join("");
  const doc = f.id_document || {};
  const others = OTHER.map(([k, l]) => `<tr><th scope="row">${esc(t(l))}</th><td colspan="2">${esc(f[k])}</td></tr>`).join("")
    + `<tr><th scope="row">${esc(t("Loại giấy tờ"))}</th><td colspan="2">${esc(word(ID_TYPES, doc.type))}</td></tr>`
    + `<tr><th scope="row">${esc(t("Đồng ý xử lý dữ liệu cá nhân"))}</th><td colspan="2">${esc(consentText(f.consent))}</td></tr>`;
  return `<table class="compare"><caption>${esc(t("Tờ khai và mã QR (sai lệch được tô đỏ)"))}</caption>
    <thead><tr><th scope="col">${esc(t("Trường"))}</th><th scope="col">${esc(t("Người nộp khai"))}</th><th scope="col">${esc(t("Mã QR trên thẻ"))}</th></tr></thead><tbody>${rows}${others}</tbody></table>`;
}
function signals(c) {
  const where = (d) => d.reference || t("tại cơ quan BHXH {agency}", {agency: d.agency_code});
  const dups = (c.same_id_number || []).map((d) => `<li class="error">${esc(t("Số giấy tờ này đã có hồ sơ {where} ({status}).", {where: where(d), status: word(STATUS, d.status)}))}</li>`);
  const photos = (c.same_photos || []).map((d) => `<li class="error">${esc(t("Cùng tệp {images} với hồ sơ {where} ({status}).", {images: d.images.map((k) => word(KINDS, k).toLowerCase()).join(", "), where: where(d), status: word(STATUS, d.status)}))}</li>`);
  const finds = (c.findings || []).map((x) => `<li class="${esc(x.severity)}">${esc(x.message)}</li>`);
  const all = [...finds, ...dups, ...photos];
  return all.length ? `<ul>${all.join("")}</ul>` : `<p>${esc(t("Không có cảnh báo."))}</p>`;
}
function history(c) {
  const items = [...(c.timeline || []).map((t) => ({at: t.at, text: word(STATUS, t.status)})),
    ...(c.audit || []).filter((e) => String(e.action || "").startsWith("delivery:")).map((e) => ({at: e.at,
      text: t(e.action === "delivery:copy" ? "Bản sao tờ khai qua email" : "Tin nhắn SMS") + t(e.status === "failed" ? ": gửi không thành công" : ": đã gửi")}))];
  items.sort((a, b) => String(a.at).localeCompare(String(b.at)));
  return `<ol>${items.map((i) => `<li>${esc(vnTime(i.at))}: ${esc(i.text)}</li>`).join("")}</ol>`;
}
// The open case's message (a decision's outcome, a missing reason), kept so that the case
// drawn again in another language shows it again, translated.
let caseMsg = null;
function caseSay(vi, vars = {}) { caseMsg = {vi, vars}; say($("msg"), vi, vars); }
async function showCase(id, byRef, message = null) {
  const c = await (await api(byRef ? "/v1/review/declarations/by-reference/" + encodeURIComponent(id) : "/v1/review/declarations/" + encodeURIComponent(id))).json();
  queue.current = c.id; renderQueue();
  const qr = (c.enrichment || {}).qr || {};
  const qrLine = qr.found ? esc(t("Đã đọc mã QR ({kind}, {side}).", {kind: qr.kind === "bhyt" ? t("thẻ BHYT") : "CCCD", side: word(SIDES, qr.side)})) : `<span class="warning">${esc(t("Không đọc được mã QR: cần đối chiếu thủ công."))}</span>`;
  const open = c.status === OPEN;
  const account = c.account && c.account.active;
  const held = c.account_held ? `<p class="error">${esc(t("Khi xác minh, tài khoản VssID đang hoạt động của mã số BHXH này được giữ nguyên: không cấp mật khẩu mới."))}</p>` : "";
  const reasons = REASONS.map((r, i) => `<option value="${i}">${esc(t(r))}</option>`).join("");
  $("case").innerHTML = `<h2>${esc(t("Hồ sơ {reference} – {status}", {reference: c.reference, status: word(STATUS, c.status)}))}</h2>
    <p>${esc(t("Hạn đến trực tiếp:"))} <strong>${esc(vnDate(c.deadline))}</strong>. ${esc(t("Nộp lúc {time}.", {time: vnTime(c.opened_at)}))}</p>
    <div class="imgs" id="imgs"></div>
    <p>${qrLine}</p>${compareTable(c)}
    <h3>${esc(t("Cảnh báo"))}</h3>${signals(c)}
    <h3>${esc(t("Diễn biến"))}</h3>${history(c)}
    ${open ? `<h3>${esc(t("Quyết định"))}</h3>
    <label for="note">${esc(t("Ghi chú khi xác minh / lý do từ chối"))}</label><textarea id="note" rows="2" cols="50"></textarea>
    <label for="reason-template">${esc(t("Lý do mẫu"))}</label><select id="reason-template"><option value="">${esc(t("— chọn lý do mẫu —"))}</option>${reasons}</select>
    <p><button id="verify" type="button">${esc(t("Xác minh"))}</button>${account ? `<button id="reissue" type="button" class="secondary">${esc(t("Cấp lại mật khẩu"))}</button>` : ""}<button id="reject" type="button" class="danger">${esc(t("Từ chối", {}, "button"))}</button></p>
    <div id="confirm"></div>` : ""}${held}<p id="msg" role="status"></p>`;
  if (open) {
    $("reason-template").addEventListener("change", (e) => { if (e.target.value !== "") $("note").value = REASONS[+e.target.value]; });
    $("verify").addEventListener("click", () => confirmThen(t("Xác nhận người nộp đã đến và giấy tờ bản gốc khớp với hồ sơ {reference}?", {reference: c.reference}),
      () => decide(c.id, "verify", {note: $("note").value || null})));
    $("reject").addEventListener("click", () => {
      if (!$("note").value.trim()) { caseSay("Nhập hoặc chọn lý do từ chối."); $("note").focus(); return; }
      confirmThen(t("Từ chối hồ sơ {reference}? Người nộp sẽ được báo lý do.", {reference: c.reference}), () => decide(c.id, "reject", {reason: $("note").value}));
    });
    if (account) {
      $("reissue").addEventListener("click", () => {
        // A native confirm: the weightiest decision here, it must not be one keypress away.
        if (confirm(t("Cấp lại mật khẩu cho tài khoản đang hoạt động? Mật khẩu mới được gửi đến điện thoại đã đăng ký của chủ tài khoản."))) {
          decide(c.id, "verify", {note: $("note").value || null, reissue_password: true});
        }
      });
    }
  }
  for (const img of c.images) $("imgs").appendChild(figure(img));
  if (message) caseSay(message.vi, message.vars); else caseMsg = null;
  $("case").focus();
}
function figure(img) {
  const fig = document.createElement("figure");
  let turn = 0;
  const el = document.createElement("img");
  el.alt = word(KINDS, img.kind); el.src = img.url;  // same origin: the session cookie goes along
  const cap = document.createElement("figcaption"); cap.textContent = word(KINDS, img.kind);
  const zoom = document.createElement("button"); zoom.type = "button"; zoom.className = "secondary"; zoom.textContent = t("Phóng to");
  zoom.setAttribute("aria-pressed", "false");
  zoom.addEventListener("click", () => { const on = fig.classList.toggle("zoomed"); zoom.textContent = t(on ? "Thu nhỏ" : "Phóng to"); zoom.setAttribute("aria-pressed", String(on)); });
  const rotate = document.createElement("button"); rotate.type = "button"; rotate.className = "secondary"; rotate.textContent = t("Xoay");
  rotate.setAttribute("aria-label", t("Xoay {kind} 90 độ", {kind: word(KINDS, img.kind).toLowerCase()}));
  rotate.addEventListener("click", () => { turn = (turn + 90) % 360; el.style.transform = `rotate(${turn}deg)`; });
  zoom.setAttribute("aria-label", t("Phóng to hoặc thu nhỏ {kind}", {kind: word(KINDS, img.kind).toLowerCase()}));
  fig.append(el, cap, zoom, rotate);
  return fig;
}
function confirmThen(question, action) {
  const box = $("confirm");
  box.className = "confirm"; box.setAttribute("role", "alertdialog"); box.setAttribute("aria-label", t("Xác nhận"));
  box.innerHTML = `<p>${esc(question)}</p><button type="button" id="confirm-yes">${esc(t("Xác nhận"))}</button><button type="button" class="secondary" id="confirm-no">${esc(t("Huỷ"))}</button>`;
  $("confirm-yes").addEventListener("click", () => { box.innerHTML = ""; box.className = ""; action(); });
  $("confirm-no").addEventListener("click", () => { box.innerHTML = ""; box.className = ""; $("verify").focus(); });
  $("confirm-yes").focus();
}
async function decide(id, action, body) {
  try {
    const res = await api(`/v1/review/declarations/${encodeURIComponent(id)}/${action}`, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    const row = await res.json();
    if (queue.rows.has(id)) applyRow(row); else live(() => addIfListed(id, row.reference));
    await showCase(id, false, {vi: action === "verify" ? "Đã xác minh." : "Đã từ chối.", vars: {}});
  } catch (e) { caseSay("Lỗi: {message}", {message: e.message}); }
}

// ---- live events (EventSource: the cookie goes along, it reconnects with Last-Event-ID) ----
function onEvent(name, raw) {
  const ev = JSON.parse(raw);
  const li = document.createElement("li");
  li.textContent = `${vnTime(ev.time)} – ${word(EVENT_WORDS, name)}${ev.data && ev.data.reference ? " – " + t("hồ sơ {reference}", {reference: ev.data.reference}) : ""}`;
  $("events").prepend(li);
  while ($("events").children.length > 100) $("events").lastChild.remove();
  if (!(name in STATUS) || name === "draft" || !ev.data || !ev.data.reference) return;
  live(async () => {
    if (queue.rows.has(ev.subject)) applyRow({id: ev.subject, deadline: ev.data.deadline, status: name});
    else if (name === OPEN) await addIfListed(ev.subject, ev.data.reference);
  });
}
function startEvents() {
  if (events) events.close();
  events = new EventSource("/v1/review/events?since=now");
  for (const name of Object.keys(EVENT_WORDS)) events.addEventListener(name, (e) => onEvent(name, e.data));
}

// A language switch redraws what this file drew (the page's own texts and the messages put up
// with say() switch in locale.js): the queue, the open case (fetched again, its message kept)
// and who is signed in; the feed keeps its lines.
onLanguage(() => {
  if (!session) return;
  $("who-name").textContent = t("{name} – cơ quan BHXH {agency}", {name: session.operator.name, agency: session.operator.agency_code});
  renderQueue();
  if (queue.current) showCase(queue.current, false, caseMsg).catch(showError);
});

// A page reload keeps the session (the cookie); the CSRF token comes back with who-am-I.
fetch("/v1/staff/session", {credentials: "same-origin"}).then(async (res) => {
  if (res.ok) signedIn(await res.json()); else signedOut("");
}).catch(() => signedOut(""));
