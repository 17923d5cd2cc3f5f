// The applicant app (an ES module, no build step): the five steps of the VssID guide against
// intake's API. The draft's id and access token stay on this device (localStorage) so the
// draft can be resumed; nothing else is stored.
import {lang, onLanguage, say, t} from "./i18n.js";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const STEPS = [["start", "Đăng ký"], ["info", "Kê khai"], ["photos", "Ảnh"], ["agency", "Cơ quan BHXH"], ["review", "Gửi"]];
const FIELDS = [
  ["full_name", "Họ và tên", {autocomplete: "name"}], ["social_insurance_number", "Mã số BHXH (10 số)", {inputmode: "numeric", maxlength: 10}],
  ["date_of_birth", "Ngày sinh (dd/mm/yyyy)", {inputmode: "numeric", date: true}],
  ["gender", "Giới tính", {choices: [["", "— chọn —"], ["male", "Nam"], ["female", "Nữ"]]}],
  ["nationality", "Quốc tịch (mã, ví dụ VN)", {maxlength: 2}],
  ["id_document.type", "Loại giấy tờ", {choices: [["cccd", "CCCD"], ["cmnd", "CMND"], ["passport", "Hộ chiếu"]]}],
  ["id_document.number", "Số giấy tờ", {inputmode: "numeric"}], ["id_document.issued_on", "Ngày cấp (dd/mm/yyyy)", {inputmode: "numeric", date: true}],
  ["id_document.issued_by", "Nơi cấp (không bắt buộc)", {}], ["address", "Địa chỉ", {autocomplete: "street-address"}],
  ["phone", "Số điện thoại di động", {inputmode: "tel", autocomplete: "tel"}], ["email", "Email", {inputmode: "email", autocomplete: "email"}],
];
const PHOTOS = [["portrait", "Ảnh chân dung", "user"], ["id_front", "Mặt trước giấy tờ tùy thân", "environment"], ["id_back", "Mặt sau giấy tờ tùy thân", "environment"]];
const MAX_SIDE = 2000;  // photos larger than this are scaled on the device before upload
const STATUS = {draft: "Bản nháp", submitted: "Đã gửi", awaiting_verification: "Chờ đối chiếu tại cơ quan BHXH", verified: "Đã xác minh",
  rejected: "Bị từ chối", expired: "Hết hạn", withdrawn: "Đã rút"};
const fid = (path) => "f-" + path.replace(/\./g, "-");

let draft = JSON.parse(localStorage.getItem("vssid-draft") || "null");  // {id, token}
let agencies = [];
let consent = null;
let shownReference = null;  // the success screen's reference, to redraw it in another language
const uploaded = {};

async function call(path, options = {}) {
  const headers = {...(options.headers || {})};
  if (draft && path.startsWith("/v1/declarations/")) headers.Authorization = "Bearer " + draft.token;
  const res = await fetch(path, {...options, headers});
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) { const err = new Error(firstMessage(body) || t("Lỗi {status}", {status: res.status})); err.status = res.status; err.detail = (body && body.detail) || []; throw err; }
  return body;
}
const firstMessage = (body) => body && Array.isArray(body.detail) && body.detail[0] ? body.detail[0].message : null;
const json = (method, body) => ({method, headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});

// ---- dates: people type dd/mm/yyyy, the API takes ISO ----
function toIso(text) { const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim()); return m ? `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}` : text.trim(); }
function fromIso(iso) { const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || ""); return m ? `${m[3]}/${m[2]}/${m[1]}` : (iso || ""); }

function go(step) {
  for (const [name] of STEPS.concat([["done"]])) $("step-" + name).hidden = name !== step;
  $("steps").innerHTML = STEPS.map(([name, label], i) => `<li${name === step ? ' aria-current="step"' : ""}>${i + 1}. ${esc(t(label))}</li>`).join("");
  if (step === "review") renderSummary();
  $("main").focus();
  window.scrollTo(0, 0);
}

// ---- step 1 ----
function refreshStart() {
  $("resume").hidden = !(draft && !draft.reference);
  $("last").hidden = !(draft && draft.reference);
}
$("new").addEventListener("click", async () => {
  try {
    const body = await call("/v1/declarations", json("POST", {nationality: "VN"}));
    draft = {id: body.id, token: body.access_token}; localStorage.setItem("vssid-draft", JSON.stringify(draft));
    fillForm({nationality: "VN", id_document: {type: "cccd"}}); go("info");
  } catch (e) { $("start-msg").textContent = e.message; }
});
$("resume").addEventListener("click", async () => {
  try { const d = await call(`/v1/declarations/${draft.id}`); fillForm(d); markPhotos(d); if (d.agency_code) $("agency-q").value = d.agency_code; go("info"); }
  catch (e) { $("start-msg").textContent = e.message; }
});
$("status-btn").addEventListener("click", () => showDone(draft.reference));

// ---- sign-in and the forced password change ----
$("signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const r = await call("/v1/auth/login", json("POST", {account: $("account").value.trim(), password: $("pw").value}));
    $("change").hidden = !r.must_change_password;
    say($("signin-msg"), r.must_change_password ? "Vui lòng đổi mật khẩu trước khi tiếp tục." : "Đăng nhập thành công.");
  } catch (err) { $("signin-msg").textContent = err.message; }
});
$("change-btn").addEventListener("click", async () => {
  try {
    await call("/v1/auth/change-password", json("POST", {account: $("account").value.trim(), password: $("pw").value, new_password: $("newpw").value}));
    $("change").hidden = true; say($("signin-msg"), "Đã đổi mật khẩu. Hãy đăng nhập bằng mật khẩu mới."); $("pw").value = "";
  } catch (err) { $("signin-msg").textContent = err.message; }
});

// ---- step 2 ----
$("info").innerHTML = FIELDS.map(([path, label, o]) => {
  const attrs = `id="${fid(path)}" name="${path}" aria-describedby="err-${fid(path)}"`
    + (o.inputmode ? ` inputmode="${o.inputmode}"` : "") + (o.maxlength ? ` maxlength="${o.maxlength}"` : "") + (o.autocomplete ? ` autocomplete="${o.autocomplete}"` : "");
  const input = o.choices ? `<select ${attrs}>${o.choices.map(([v, l]) => `<option value="${v}">${esc(t(l))}</option>`).join("")}</select>` : `<input ${attrs}>`;
  return `<label for="${fid(path)}">${esc(t(label))}</label>${input}<p class="err" id="err-${fid(path)}"></p>`;
}).join("");
function get(obj, path) { return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj); }
function fillForm(d) {
  for (const [path, , o] of FIELDS) {
    const v = get(d, path);
    if (v != null) $(fid(path)).value = o.date ? fromIso(v) : v;
  }
  if (d.send_email_copy != null) $("send_email_copy").checked = !!d.send_email_copy;
}
function formValues() {
  const out = {id_document: {}};
  for (const [path, , o] of FIELDS) {
    const raw = $(fid(path)).value.trim();
    if (!raw) continue;
    const v = o.date ? toIso(raw) : raw;
    if (path.startsWith("id_document.")) out.id_document[path.split(".")[1]] = v; else out[path] = v;
  }
  if (!Object.keys(out.id_document).length) delete out.id_document;
  return out;
}
function clearErrors() {
  document.querySelectorAll(".err").forEach((p) => { p.textContent = ""; });
  document.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
}
// The API's messages next to their fields: loc is ["body", "id_document", "number"] or similar.
function showErrors(err, fallback) {
  let placed = false;
  for (const d of err.detail || []) {
    const path = (d.loc || []).filter((k) => k !== "body").join(".");
    const kind = PHOTOS.find(([k]) => path.endsWith(k));
    const slot = $("err-" + fid(path)) || $("err-" + path) || (kind && $("err-photo-" + kind[0]));
    if (slot) { slot.textContent = d.message; placed = true; const input = $(fid(path)); if (input) input.setAttribute("aria-invalid", "true"); }
  }
  if (!placed) $(fallback).textContent = err.message;
}
$("info-next").addEventListener("click", async () => {
  stopCamera(); clearErrors();
  try { await call(`/v1/declarations/${draft.id}`, json("PATCH", formValues())); go("photos"); }
  catch (e) { showErrors(e, "err-info"); const bad = document.querySelector("[aria-invalid=true]"); if (bad) bad.focus(); }
});
// Live scanning: camera frames are decoded in the browser (jsQR, vendored), and only the
// payload text goes to the server, which parses it as a CCCD or BHYT code.
let scanning = null;
function stopCamera() {
  if (scanning) { scanning.getTracks().forEach((t) => t.stop()); scanning = null; }
  $("video").hidden = true; $("camera-stop").hidden = true; $("camera").hidden = false;
}
$("camera").addEventListener("click", async () => {
  if (!navigator.mediaDevices || !window.jsQR) { say($("qr-msg"), "Thiết bị không hỗ trợ camera; hãy chọn ảnh."); return; }
  try { scanning = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}); }
  catch { say($("qr-msg"), "Không mở được camera; hãy cho phép truy cập camera hoặc chọn ảnh."); return; }
  const video = $("video"); video.srcObject = scanning; video.hidden = false; await video.play();
  $("camera").hidden = true; $("camera-stop").hidden = false; say($("qr-msg"), "Đưa mã QR vào khung hình…");
  const canvas = document.createElement("canvas"); const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const tick = async () => {
    if (!scanning) return;
    if (video.videoWidth) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      const found = window.jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
      if (found && found.data) {
        stopCamera();
        try { applyDecoded(await call("/v1/qr/decode", json("POST", {payload: found.data}))); }
        catch (e) { $("qr-msg").textContent = e.message; }
        return;
      }
    }
    setTimeout(tick, 150);  // a few frames a second is enough and spares a phone's battery
  };
  tick();
});
$("camera-stop").addEventListener("click", () => { stopCamera(); say($("qr-msg"), ""); });
function applyDecoded(r) {
  const f = r.fields || {};
  const filled = r.kind === "cccd"
    ? {full_name: f.full_name, date_of_birth: f.date_of_birth, gender: f.gender, address: f.address, id_document: {type: "cccd", number: f.id_number, issued_on: f.issued_on}}
    : {full_name: f.full_name, social_insurance_number: f.social_insurance_number, date_of_birth: f.date_of_birth, gender: f.gender};
  fillForm(filled);
  say($("qr-msg"), r.kind === "cccd" ? "Đã điền số CCCD, họ tên, địa chỉ, ngày sinh, giới tính và ngày cấp từ mã QR." : "Đã điền mã số BHXH và họ tên từ mã QR thẻ BHYT.");
}
$("qr-file").addEventListener("change", async () => {
  const file = $("qr-file").files[0]; if (!file) return;
  say($("qr-msg"), "Đang đọc mã QR…");
  const form = new FormData(); form.append("file", await downscale(file), "qr.jpg");
  try {
    applyDecoded(await call("/v1/qr/decode", {method: "POST", body: form}));
  } catch (e) { $("qr-msg").textContent = e.message; }
});
$("lk-go").addEventListener("click", async () => {
  const q = new URLSearchParams({full_name: $("lk-name").value.trim(), date_of_birth: toIso($("lk-dob").value), province_code: $("lk-province").value.trim()});
  try {
    const r = await call("/v1/social-insurance/lookup?" + q);
    $("lk-results").innerHTML = r.matches.length ? r.matches.map((m) => `<li>${esc(m.full_name)}, ${esc(fromIso(m.date_of_birth))}: <strong>${esc(m.social_insurance_number)}</strong> <button type="button" class="secondary" data-sin="${esc(m.social_insurance_number)}">${esc(t("Chọn"))}</button></li>`).join("") : `<li>${esc(t("Không tìm thấy mã số BHXH phù hợp."))}</li>`;
  } catch (e) { $("lk-results").innerHTML = `<li class="err">${esc(e.message)}</li>`; }
});
$("lk-results").addEventListener("click", (e) => { const sin = e.target.dataset && e.target.dataset.sin; if (sin) { $(fid("social_insurance_number")).value = sin; $("lookup").open = false; } });

// ---- step 3: photos, scaled on the device, previewed, retaken ----
$("photos").innerHTML = PHOTOS.map(([kind, label, facing]) => `<div class="photo"><label for="photo-${kind}">${esc(t(label))}</label>
  <input id="photo-${kind}" type="file" accept="image/jpeg,image/png,image/webp,image/heic" capture="${facing}" aria-describedby="err-photo-${kind}">
  <img id="preview-${kind}" alt="${esc(t("{label} đã chọn", {label: t(label)}))}" hidden><p id="state-${kind}" role="status"></p><p class="err" id="err-photo-${kind}"></p></div>`).join("");
async function downscale(file) {
  // Only decodable, large images are re-encoded; anything else goes as chosen (the server judges).
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.size < 3 * 1024 * 1024) return file;
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return await new Promise((ok) => canvas.toBlob((b) => ok(b || file), "image/jpeg", 0.9));
  } catch { return file; }
}
function markPhotos(d) {
  for (const img of d.images || []) { uploaded[img.kind] = true; say($("state-" + img.kind), "Đã tải lên. Chọn ảnh khác để chụp lại."); }
}
for (const [kind] of PHOTOS) {
  $("photo-" + kind).addEventListener("change", async (e) => {
    const file = e.target.files[0]; if (!file) return;
    $("err-photo-" + kind).textContent = ""; say($("state-" + kind), "Đang tải lên…");
    const blob = await downscale(file);
    const preview = $("preview-" + kind); preview.src = URL.createObjectURL(blob); preview.hidden = false;
    const form = new FormData(); form.append("file", blob, file.name || kind + ".jpg");
    try {
      await call(`/v1/declarations/${draft.id}/images/${kind}`, {method: "PUT", body: form});
      uploaded[kind] = true; say($("state-" + kind), "Đã tải lên. Chọn ảnh khác để chụp lại.");
    } catch (err) { uploaded[kind] = false; say($("state-" + kind), ""); $("err-photo-" + kind).textContent = err.message; }
  });
}
$("photos-back").addEventListener("click", () => go("info"));
$("photos-next").addEventListener("click", () => {
  const missing = PHOTOS.filter(([k]) => !uploaded[k]);
  if (missing.length) { say($("err-photos"), "Còn thiếu: {list}.", {list: () => missing.map(([, l]) => t(l).toLowerCase()).join(", ")}); return; }
  $("err-photos").textContent = ""; loadAgencies().then(() => go("agency"));
});

// ---- step 4: agency by code or name, email copy, consent ----
const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();
async function loadAgencies() {
  if (!agencies.length) agencies = await call("/v1/agencies").catch(() => []);
  if (consent === null) {
    // The consent text (CONTRACT §3 v1.1); a server without it yet answers 404 and the step goes on without.
    consent = await call("/v1/consents/current").catch(() => false);
    renderConsent();
  }
  renderAgencies();
}
// The consent in the page's language (the server holds both texts); a tick survives a switch.
function renderConsent() {
  const ticked = !!($("consent-ok") && $("consent-ok").checked);
  $("consent").innerHTML = consent ? `<p>${esc(consent.text[lang()] || consent.text.vi)}</p><label class="check"><input id="consent-ok" type="checkbox"${ticked ? " checked" : ""}> ${esc(t("Tôi đồng ý"))}</label><p class="err" id="err-consent"></p>` : "";
}
function renderAgencies() {
  const q = fold($("agency-q").value.trim());
  const list = agencies.filter((a) => !q || a.code.startsWith(q) || fold(a.name).includes(q)).slice(0, 20);
  const chosen = (document.querySelector("input[name=agency]:checked") || {}).value || (list.length === 1 ? list[0].code : "");
  $("agencies").innerHTML = list.map((a) => `<label class="agency"><input type="radio" name="agency" value="${esc(a.code)}"${a.code === chosen ? " checked" : ""}> ${esc(a.code)} – ${esc(a.name)}</label>`).join("") || `<p>${esc(t("Không tìm thấy cơ quan BHXH."))}</p>`;
}
$("agency-q").addEventListener("input", renderAgencies);
$("agency-back").addEventListener("click", () => go("photos"));
$("agency-next").addEventListener("click", async () => {
  clearErrors();
  const code = (document.querySelector("input[name=agency]:checked") || {}).value;
  if (!code) { say($("err-agency_code"), "Chọn cơ quan BHXH tiếp nhận tờ khai."); return; }
  const body = {agency_code: code, send_email_copy: $("send_email_copy").checked};
  if (consent) {
    if (!$("consent-ok").checked) { say($("err-consent"), "Cần đồng ý để gửi tờ khai."); return; }
    body.consent = {version: consent.version, accepted: true};
  }
  try { await call(`/v1/declarations/${draft.id}`, json("PATCH", body)); go("review"); }
  catch (e) { showErrors(e, "err-agency_code"); }
});

// ---- step 5: review with "Quay lại", then "Gửi" ----
function renderSummary() {
  const v = formValues();
  const code = (document.querySelector("input[name=agency]:checked") || {}).value;
  const agency = agencies.find((a) => a.code === code);
  const rows = FIELDS.map(([path, label, o]) => { const x = get(v, path); return x ? `<dt>${esc(t(label).replace(/ \(.*\)$/, ""))}</dt><dd>${esc(o.date ? fromIso(x) : (o.choices ? t((o.choices.find(([c]) => c === x) || [x, x])[1]) : x))}</dd>` : ""; }).join("");
  $("summary").innerHTML = `<h3>${esc(t("Thông tin kê khai"))}</h3><dl>${rows}</dl><p><button type="button" class="secondary" data-step="info">${esc(t("Quay lại"))}</button></p>
    <h3>${esc(t("Ảnh"))}</h3><p>${PHOTOS.map(([k, l]) => `${esc(t(l))}: ${esc(t(uploaded[k] ? "đã tải lên" : "chưa có"))}`).join("; ")}</p><p><button type="button" class="secondary" data-step="photos">${esc(t("Quay lại"))}</button></p>
    <h3>${esc(t("Cơ quan BHXH tiếp nhận"))}</h3><p>${agency ? esc(agency.code + " – " + agency.name) : ""}${$("send_email_copy").checked ? "; " + esc(t("gửi email tờ khai")) : ""}</p><p><button type="button" class="secondary" data-step="agency">${esc(t("Quay lại"))}</button></p>`;
}
$("summary").addEventListener("click", (e) => { const step = e.target.dataset && e.target.dataset.step; if (step) go(step); });
const STEP_OF = (path) => PHOTOS.some(([k]) => path.includes(k)) ? "photos" : /agency|consent|send_email/.test(path) ? "agency" : "info";
$("send").addEventListener("click", async () => {
  $("err-submit").textContent = "";
  try {
    const r = await call(`/v1/declarations/${draft.id}/submit`, {method: "POST", headers: {"Idempotency-Key": draft.id}});
    draft.reference = r.reference; localStorage.setItem("vssid-draft", JSON.stringify(draft));
    showDone(r.reference);
  } catch (e) {
    $("err-submit").textContent = e.message;
    const first = (e.detail || [])[0];
    if (first && e.status === 422) { const path = (first.loc || []).filter((k) => k !== "body").join("."); go(STEP_OF(path)); showErrors(e, "err-info"); }
  }
});

// ---- the success screen, and the status later ----
// review opens the case a moment after "Gửi" and sets the visit deadline; until intake knows
// it, the screen asks again every few seconds (a bounded number of times).
const DEADLINE_POLLS = 15;
const POLL_MS = 2000;
async function showDone(reference) {
  shownReference = reference;
  await renderDone(reference, DEADLINE_POLLS);
  go("done");
}
async function renderDone(reference, polls) {
  let d = {};
  try { d = await call(`/v1/declarations/${draft.id}`); } catch { /* shown without the status */ }
  if (!agencies.length) agencies = await call("/v1/agencies").catch(() => []);
  if (shownReference !== reference) return;  // the screen was left meanwhile
  const agency = agencies.find((a) => a.code === d.agency_code) || {};
  const deadline = d.visit_deadline && d.status === "awaiting_verification" ? `<p>${esc(t("Hạn đến cơ quan BHXH:"))} <strong id="deadline">${esc(fromIso(d.visit_deadline))}</strong></p>` : "";
  $("done").innerHTML = `<p>${esc(t("Mã hồ sơ của bạn:"))}</p><p class="ref">${esc(reference)}</p>
    <p>${esc(t("Trạng thái:"))} <strong id="status">${esc(STATUS[d.status] ? t(STATUS[d.status]) : d.status || "")}</strong></p>
    ${deadline}<p>${esc(t("Vui lòng đến cơ quan BHXH với giấy tờ tùy thân (CCCD/CMND/Hộ chiếu) để hoàn tất thủ tục."))}</p>
    <dl><dt>${esc(t("Cơ quan"))}</dt><dd>${esc(agency.name)}</dd><dt>${esc(t("Địa chỉ"))}</dt><dd>${esc(agency.address)}</dd><dt>${esc(t("Điện thoại"))}</dt><dd>${esc(agency.phone)}</dd></dl>
    <p>${esc(t("Mang theo: giấy tờ tùy thân bản gốc đã khai, và mã hồ sơ ở trên (trên điện thoại hoặc bản in)."))}</p>
    <p><button id="refresh" type="button" class="secondary">${esc(t("Xem lại trạng thái"))}</button></p>`;
  $("refresh").addEventListener("click", () => showDone(reference));
  if (!d.visit_deadline && d.status === "submitted" && polls > 0) {
    setTimeout(() => { if (shownReference === reference && !$("step-done").hidden) renderDone(reference, polls - 1); }, POLL_MS);
  }
}

// A language switch redraws what the app drew (the page's own texts and the messages put up
// with say() switch in locale.js); typed values stay; the server's messages show as sent.
onLanguage(() => {
  for (const [path, label, o] of FIELDS) {
    document.querySelector(`label[for="${fid(path)}"]`).textContent = t(label);
    if (o.choices) o.choices.forEach(([, l], i) => { $(fid(path)).options[i].textContent = t(l); });
  }
  for (const [kind, label] of PHOTOS) {
    document.querySelector(`label[for="photo-${kind}"]`).textContent = t(label);
    $("preview-" + kind).alt = t("{label} đã chọn", {label: t(label)});
  }
  if (consent) renderConsent();
  if (agencies.length) renderAgencies();
  const step = (STEPS.concat([["done"]]).find(([name]) => !$("step-" + name).hidden) || ["start"])[0];
  if (step === "done" && shownReference) showDone(shownReference); else go(step);
});

refreshStart();
go("start");
