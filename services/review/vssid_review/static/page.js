"use strict";
// The staff page's script: a separate file, so the page's CSP allows no inline script.
const $ = (id) => document.getElementById(id);
const LABELS = {awaiting_verification: "Chờ xác minh", verified: "Đã xác minh", rejected: "Từ chối", expired: "Hết hạn", withdrawn: "Đã rút lại"};
const GENDERS = {male: "Nam", female: "Nữ"};
const ID_TYPES = {cccd: "CCCD", cmnd: "CMND", passport: "Hộ chiếu"};
const SIDES = {id_front: "mặt trước", id_back: "mặt sau"};
const FIELD_LABELS = {full_name: "Họ và tên", social_insurance_number: "Mã số BHXH", date_of_birth: "Ngày sinh",
  gender: "Giới tính", nationality: "Quốc tịch", address: "Địa chỉ", phone: "Điện thoại", email: "Email", agency_code: "Cơ quan BHXH"};
let token = sessionStorage.getItem("token") || "";
$("token").value = token;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
async function api(path, options = {}) {
  const res = await fetch(path, {...options, headers: {...(options.headers || {}), Authorization: "Bearer " + token}});
  if (!res.ok) { const body = await res.json().catch(() => ({})); throw new Error((body.detail && body.detail[0] && body.detail[0].message) || res.status); }
  return res;
}
// The queue as loaded so far (page by page, oldest first), kept up to date from the live events:
// an event changes one row here, it never refetches the queue.
const queue = {rows: new Map(), next: null, total: 0};
const OPEN = "awaiting_verification";
const CASE_STATUSES = [OPEN, "verified", "rejected", "expired", "withdrawn"];
function renderQueue() {
  $("queue").innerHTML = [...queue.rows.values()].map((c) => `<tr class="case" data-id="${esc(c.id)}"><td>${esc(c.reference)}</td><td>${esc(LABELS[c.status] || c.status)}</td><td>${esc(c.deadline)}</td></tr>`).join("");
  document.querySelectorAll("tr.case").forEach((tr) => tr.onclick = () => showCase(tr.dataset.id));
  $("shown").textContent = `${queue.rows.size} / ${queue.total} hồ sơ`;
  $("more").hidden = !queue.next;
}
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
async function loadQueue() {
  queue.rows.clear(); queue.next = null;
  await loadPage("/v1/review/queue" + ($("only-open").checked ? "?status=" + OPEN : ""));
}
function applyRow(c) {
  const known = queue.rows.get(c.id);
  const onlyOpen = $("only-open").checked;
  if (known) {
    if (onlyOpen && c.status !== OPEN) { queue.rows.delete(c.id); queue.total -= 1; } else Object.assign(known, c);
  } else if (c.status === OPEN || !onlyOpen) {
    // Oldest first: a new case belongs at the end, so only once the last page is loaded.
    queue.total += 1;
    if (!queue.next) queue.rows.set(c.id, c);
  }
  renderQueue();
}
function applyEvent(ev) {
  const status = ev.type.split(".")[2];
  if (!CASE_STATUSES.includes(status)) return;
  const known = queue.rows.get(ev.subject);
  if (!known && status !== OPEN) return;
  applyRow({...(known || {}), id: ev.subject, reference: ev.data.reference, deadline: ev.data.deadline, status});
}
async function showCase(id, byRef) {
  const c = await (await api(byRef ? "/v1/review/declarations/by-reference/" + encodeURIComponent(id) : "/v1/review/declarations/" + id)).json();
  const f = c.fields || {};
  const shown = {...f, gender: GENDERS[f.gender] || f.gender};
  const doc = f.id_document || {};
  const rows = Object.entries(FIELD_LABELS).map(([k, l]) => `<tr><th>${l}</th><td>${esc(shown[k])}</td></tr>`).join("")
    + `<tr><th>Giấy tờ</th><td>${esc(ID_TYPES[doc.type] || doc.type)} ${esc(doc.number)}</td></tr>`;
  const qr = (c.enrichment || {}).qr || {};
  const qrLine = qr.found ? `Đã đọc mã QR (${esc(qr.kind === "bhyt" ? "thẻ BHYT" : "CCCD")}, ${esc(SIDES[qr.side] || qr.side)}).` : "Không đọc được mã QR: cần đối chiếu thủ công.";
  const dups = (c.same_id_number || []).map((d) => d.reference
    ? `<li class="error">Số giấy tờ này đã có hồ sơ ${esc(d.reference)} (${esc(LABELS[d.status] || d.status)}).</li>`
    : `<li class="error">Số giấy tờ này đã có hồ sơ tại cơ quan BHXH ${esc(d.agency_code)} (${esc(LABELS[d.status] || d.status)}).</li>`).join("");
  const KINDS = {portrait: "ảnh chân dung", id_front: "ảnh mặt trước", id_back: "ảnh mặt sau"};
  const photos = (c.same_photos || []).map((d) => `<li class="error">Cùng tệp ${esc(d.images.map((k) => KINDS[k] || k).join(", "))} với hồ sơ ${d.reference ? esc(d.reference) : "tại cơ quan BHXH " + esc(d.agency_code)} (${esc(LABELS[d.status] || d.status)}).</li>`).join("");
  const open = c.status === "awaiting_verification";
  const disc = (c.discrepancies || []).map((d) => `<li class="${esc(d.severity)}">${esc(d.field)}: khai «${esc(d.typed)}», thẻ «${esc(d.card)}»</li>`).join("") || "<li>Không có sai lệch.</li>";
  const finds = (c.findings || []).map((x) => `<li class="${esc(x.severity)}">${esc(x.message)}</li>`).join("");
  const account = c.account && c.account.active;
  const held = c.account_held ? `<p class="error">Khi xác minh, tài khoản VssID đang hoạt động của mã số BHXH này được giữ nguyên: không cấp mật khẩu mới.</p>` : "";
  $("case").innerHTML = `<h2>Hồ sơ ${esc(c.reference)} – ${esc(LABELS[c.status] || c.status)}</h2>
    <div class="imgs" id="imgs"></div><table>${rows}</table>
    <p>${qrLine}</p>
    <h3>Sai lệch giữa tờ khai và mã QR</h3><ul>${disc}</ul><ul>${finds}${dups}${photos}</ul>
    <p>Hạn đến trực tiếp: ${esc(c.deadline)}</p>
    ${open ? `<textarea id="note" rows="2" cols="50" placeholder="Ghi chú / lý do từ chối"></textarea><br>
    <button id="verify">Xác minh</button>${account ? `<button id="reissue">Cấp lại mật khẩu</button>` : ""}<button id="reject">Từ chối</button>` : ""}${held}<p id="msg"></p>`;
  if (open) {
    $("verify").onclick = () => decide(c.id, "verify", {note: $("note").value});
    $("reject").onclick = () => decide(c.id, "reject", {reason: $("note").value});
    if (account) {
      $("reissue").onclick = () => {
        if (confirm("Cấp lại mật khẩu cho tài khoản đang hoạt động? Mật khẩu mới được gửi đến điện thoại đã đăng ký của chủ tài khoản.")) {
          decide(c.id, "verify", {note: $("note").value, reissue_password: true});
        }
      };
    }
  }
  for (const img of c.images) {
    const blob = await (await api(img.url)).blob();
    const el = document.createElement("img"); el.alt = img.kind; el.src = URL.createObjectURL(blob); $("imgs").appendChild(el);
  }
}
async function decide(id, action, body) {
  try {
    const res = await api(`/v1/review/declarations/${id}/${action}`, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    applyRow(await res.json()); await showCase(id);
    $("msg").textContent = action === "verify" ? "Đã xác minh." : "Đã từ chối.";
  } catch (e) { $("msg").textContent = "Lỗi: " + e.message; }
}
async function streamEvents() {
  const res = await api("/v1/review/events?since=now");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const {value, done} = await reader.read(); if (done) break;
    buf += value; let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i); buf = buf.slice(i + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (!data) continue;
      const ev = JSON.parse(data);
      $("events").textContent = `${ev.time} ${ev.type.split(".")[2]} ${ev.data.reference || ""}\n` + $("events").textContent;
      applyEvent(ev);
    }
  }
}
$("login").onclick = () => { token = $("token").value.trim(); sessionStorage.setItem("token", token); start(); };
$("only-open").onchange = loadQueue;
$("more").onclick = () => queue.next && loadPage(queue.next).catch((e) => alert(e.message));
$("find").onsubmit = (e) => { e.preventDefault(); showCase($("ref").value.trim(), true).catch((x) => alert(x.message)); };
// The stream first, from now: an event that happens while the queue loads is applied after.
function start() { streamEvents().catch(() => {}); loadQueue().catch((e) => alert(e.message)); }
if (token) start();
