// The language switch of both web apps (issue 17), shipped once (vssid_shared/web, served by
// each app as /…/static/locale.js); each app's i18n.js hands it the app's English table.
// Vietnamese is the source text and the key (gettext style), so the Vietnamese wording of the
// office guide stays exactly where it is written; English is looked up, and a text missing
// from the table simply shows in Vietnamese. "{name}" marks a value filled in at run time (a
// function value is called each time, so a value that is itself a text follows the language);
// a key "context|Vietnamese" tells apart one Vietnamese word with two English ones.
const KEY = "vssid-lang";
const browserLang = () => (String(navigator.language || "").toLowerCase().startsWith("en") ? "en" : "vi");
let current = ["vi", "en"].includes(localStorage.getItem(KEY)) ? localStorage.getItem(KEY) : browserLang();
let EN = {};
const listeners = [];

export const lang = () => current;
export function t(vi, vars = {}, context = "") {
  const text = current === "en" ? (EN[context + "|" + vi] ?? EN[vi] ?? vi) : vi;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(typeof vars[k] === "function" ? vars[k]() : vars[k]) : m));
}

// Messages the apps put on screen through say(): drawn again in the new language on a switch,
// as long as the element still shows what was said (a server's message written over it since,
// or an element gone, is left alone: the API's messages are shown as sent).
const said = new Map();
export function say(el, vi, vars = {}, context = "") {
  if (!vi) { el.textContent = ""; said.delete(el); return; }
  const text = t(vi, vars, context);
  el.textContent = text;
  said.set(el, {vi, vars, context, text});
}
function sayAgain() {
  for (const [el, m] of said) {
    if (!el.isConnected || el.textContent !== m.text) { said.delete(el); continue; }
    m.text = t(m.vi, m.vars, m.context);
    el.textContent = m.text;
  }
}

// The page's static texts (text nodes and a few attributes), remembered in Vietnamese once.
const ATTRS = ["placeholder", "aria-label", "alt", "title"];
const texts = [];
const attrs = [];
function remember() {
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.data.trim()) texts.push([n, n.data]);
  for (const el of document.querySelectorAll(ATTRS.map((a) => `[${a}]`).join(","))) {
    for (const a of ATTRS) if (el.hasAttribute(a)) attrs.push([el, a, el.getAttribute(a)]);
  }
}
function translateStatic() {
  for (const [node, vi] of texts) {
    const key = vi.trim();
    node.data = vi.replace(key, t(key));
  }
  for (const [el, a, vi] of attrs) el.setAttribute(a, t(vi));
}
function show() {
  document.documentElement.lang = current;
  translateStatic();
  for (const b of document.querySelectorAll("button[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === current));
}
export function onLanguage(listener) { listeners.push(listener); }
export function setLanguage(next) {
  current = next === "en" ? "en" : "vi";
  localStorage.setItem(KEY, current);
  show();
  sayAgain();
  for (const listener of listeners) listener(current);
}
// The app's English table; called once by its i18n.js, before the app draws anything.
export function translations(table) {
  EN = table;
  show();
}
// Runs when first imported, before the app renders anything: only the page's own texts are kept.
remember();
for (const b of document.querySelectorAll("button[data-lang]")) b.addEventListener("click", () => setLanguage(b.dataset.lang));
