// The simulator's chat page: plays the LINE app for simulated users. Development only.
// Events are built here, signed with the channel secret (HMAC-SHA256, as LINE signs them)
// and posted to the bot's /callback; bot messages are polled from the simulator.
"use strict";

const cfg = document.body.dataset;
const API = cfg.api;
const $ = (id) => document.getElementById(id);
const state = {
  users: [], user: null, lastSeq: 0, friend: true,
  menu: null, menuOverride: null, serverMenuId: null, quickFrom: 0,
};

// ---------------------------------------------------------------- helpers
function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "style") Object.assign(node.style, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v);
  }
  for (const c of [].concat(children)) if (c) node.append(c);
  return node;
}

async function json(method, path, body) {
  const res = await fetch(API + path, {
    method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.message || res.statusText);
  return data;
}

function toast(text) {
  const t = $("toast");
  t.textContent = text; t.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(() => { t.hidden = true; }, 2500);
}

// ---------------------------------------------------------------- signing (HMAC-SHA256)
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
function ulid(ms) {
  let time = "", t = ms;
  for (let i = 0; i < 10; i++) { time = CROCKFORD[t % 32] + time; t = Math.floor(t / 32); }
  const rand = crypto.getRandomValues(new Uint8Array(16));
  return time + Array.from(rand, (b) => CROCKFORD[b % 32]).join("");
}

function b64(bytes) { return btoa(String.fromCharCode(...new Uint8Array(bytes))); }

async function sign(secret, bodyBytes) {
  const keyBytes = new TextEncoder().encode(secret);
  if (window.crypto && crypto.subtle) {
    const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" },
      false, ["sign"]);
    return b64(await crypto.subtle.sign("HMAC", key, bodyBytes));
  }
  return b64(hmacSha256(keyBytes, bodyBytes)); // not a secure context (e.g. a LAN address)
}

// Plain SHA-256 for pages served outside a secure context, where WebCrypto is absent.
function sha256(data) {
  const K = new Uint32Array([0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,
    0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,
    0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,
    0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,
    0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,
    0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,
    0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,
    0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,
    0xbef9a3f7,0xc67178f2]);
  const H = new Uint32Array([0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,
    0x1f83d9ab,0x5be0cd19]);
  const len = data.length, total = Math.ceil((len + 9) / 64) * 64;
  const buf = new Uint8Array(total); buf.set(data); buf[len] = 0x80;
  const view = new DataView(buf.buffer);
  view.setUint32(total - 4, (len * 8) >>> 0); view.setUint32(total - 8, Math.floor(len / 0x20000000));
  const W = new Uint32Array(64), rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) W[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(W[i-15], 7) ^ rotr(W[i-15], 18) ^ (W[i-15] >>> 3);
      const s1 = rotr(W[i-2], 17) ^ rotr(W[i-2], 19) ^ (W[i-2] >>> 10);
      W[i] = (W[i-16] + s0 + W[i-7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, h] = H;
    for (let i = 0; i < 64; i++) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    [a, b, c, d, e, f, g, h].forEach((v, i) => { H[i] = (H[i] + v) >>> 0; });
  }
  const out = new Uint8Array(32), ov = new DataView(out.buffer);
  H.forEach((v, i) => ov.setUint32(i * 4, v));
  return out;
}

function hmacSha256(key, message) {
  if (key.length > 64) key = sha256(key);
  const k = new Uint8Array(64); k.set(key);
  const inner = new Uint8Array(64 + message.length), outer = new Uint8Array(96);
  for (let i = 0; i < 64; i++) { inner[i] = k[i] ^ 0x36; outer[i] = k[i] ^ 0x5c; }
  inner.set(message, 64); outer.set(sha256(inner), 64);
  return sha256(outer);
}

// ---------------------------------------------------------------- webhook events
function baseEvent(type, withToken) {
  const now = Date.now();
  return {
    type, timestamp: now, mode: "active", webhookEventId: ulid(now),
    deliveryContext: { isRedelivery: false },
    source: { type: "user", userId: state.user }, _token: withToken,
  };
}

function messageId() { return String(Math.floor(Math.random() * 1e15) + 1e15); }

async function sendEvent(event) {
  if (!state.user) { toast("Create a user first"); return false; }
  if (event._token) {
    event.replyToken = (await json("POST", "/reply-token", { user: state.user })).replyToken;
  }
  delete event._token;
  const body = new TextEncoder().encode(JSON.stringify({ destination: "Usimulatorbot", events: [event] }));
  const res = await fetch(cfg.callback, {
    method: "POST", body,
    headers: { "Content-Type": "application/json", "X-Line-Signature": await sign(cfg.secret, body) },
  });
  document.body.dataset.lastCallbackStatus = String(res.status);
  if (!res.ok) toast(`/callback answered ${res.status}`);
  return res.ok;
}

// What the user sent is kept in the browser (the simulator records only what the bot sends):
// `text`, or an `image` URL, or a `sticker` {packageId, stickerId}.
function remember(kind, text, extra = {}) {
  const entry = { who: kind, text, at: Date.now(), ...extra };
  const key = "machibot-sim:" + state.user;
  const log = JSON.parse(localStorage.getItem(key) || "[]");
  log.push(entry); localStorage.setItem(key, JSON.stringify(log.slice(-300)));
  renderLocal(entry);
}

async function sendText(text) {
  if (!text) return;
  clearQuickReplies();
  remember("user", text);
  const ev = baseEvent("message", true);
  ev.message = { id: messageId(), type: "text", text,
    quoteToken: b64(crypto.getRandomValues(new Uint8Array(18))) };
  await sendEvent(ev);
}

async function sendPostback(data, params, displayText) {
  clearQuickReplies();
  if (displayText) remember("user", displayText);
  const ev = baseEvent("postback", true);
  ev.postback = { data };
  if (params) ev.postback.params = params;
  await sendEvent(ev);
}

async function sendLocation(lat, lon, title, address) {
  clearQuickReplies();
  remember("user", `📍 ${title || ""} ${address || ""} (${lat}, ${lon})`.trim());
  const ev = baseEvent("message", true);
  ev.message = { id: messageId(), type: "location", latitude: lat, longitude: lon };
  if (title) ev.message.title = title;
  if (address) ev.message.address = address;
  await sendEvent(ev);
}

// An image is uploaded to the simulator first (as the LINE app does), so the bot can fetch
// its bytes from the content endpoint with the message id the event carries.
function sendImage() {
  const input = $("photo-input");
  input.value = "";
  input.onchange = async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    const res = await fetch(API + "/content", {
      method: "POST", body: file, headers: { "Content-Type": file.type || "image/jpeg" },
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) { toast(data.message || res.statusText); return; }
    clearQuickReplies();
    remember("user", file.name, { image: `${API}/content/${encodeURIComponent(data.messageId)}` });
    const ev = baseEvent("message", true);
    ev.message = { id: data.messageId, type: "image", contentProvider: { type: "line" } };
    await sendEvent(ev);
  };
  input.click();
}

// A few of the stickers LINE lets bots send too (package 11537); the page shows an emoji in
// their place, as it cannot load LINE's sticker images.
const STICKERS = [
  { packageId: "11537", stickerId: "52002734", face: "😊", keywords: ["smile"] },
  { packageId: "11537", stickerId: "52002735", face: "😍", keywords: ["love"] },
  { packageId: "11537", stickerId: "52002739", face: "😂", keywords: ["laugh"] },
  { packageId: "11537", stickerId: "52002740", face: "👍", keywords: ["ok"] },
  { packageId: "11537", stickerId: "52002748", face: "😉", keywords: ["wink"] },
  { packageId: "11537", stickerId: "52002750", face: "😢", keywords: ["sad"] },
];
const stickerFace = (m) => (STICKERS.find((s) => s.packageId === String(m.packageId)
  && s.stickerId === String(m.stickerId)) || { face: "🧸" }).face;

async function sendSticker(sticker) {
  clearQuickReplies();
  remember("user", "(sticker)", { sticker: { packageId: sticker.packageId, stickerId: sticker.stickerId } });
  const ev = baseEvent("message", true);
  ev.message = { id: messageId(), type: "sticker", packageId: sticker.packageId,
    stickerId: sticker.stickerId, stickerResourceType: "STATIC", keywords: sticker.keywords,
    quoteToken: b64(crypto.getRandomValues(new Uint8Array(18))) };
  await sendEvent(ev);
}

function openStickers() {
  const panel = $("sticker-panel");
  if (!panel.childElementCount) {
    panel.append(...STICKERS.map((s) => el("button", { type: "button", class: "sticker-choice",
      "data-testid": "sticker", title: `sticker ${s.packageId}/${s.stickerId}`, text: s.face,
      onclick: () => { panel.hidden = true; sendSticker(s); } })));
  }
  panel.hidden = !panel.hidden;
}

// ---------------------------------------------------------------- actions
async function perform(action) {
  if (!action) return;
  switch (action.type) {
    case "postback":
      return sendPostback(action.data || "", null, action.displayText || action.text);
    case "message":
      return sendText(action.text);
    case "uri":
      document.body.dataset.lastUri = action.uri;
      toast("Opens " + action.uri);
      if (/^https?:/.test(action.uri)) window.open(action.uri, "_blank", "noopener");
      return;
    case "datetimepicker":
      return openPicker(action);
    case "location":
      return openLocation();
    case "camera": case "cameraRoll":
      return sendImage();
    case "clipboard":
      navigator.clipboard && navigator.clipboard.writeText(action.clipboardText || "");
      return toast("Copied");
    case "richmenuswitch":
      return switchRichMenu(action);
    default:
      toast("Unsupported action " + action.type);
  }
}

function openPicker(action) {
  const mode = action.mode || "datetime";
  const input = $("picker-input");
  input.type = { date: "date", time: "time", datetime: "datetime-local" }[mode] || "datetime-local";
  input.value = action.initial || "";
  if (action.min) input.min = action.min; else input.removeAttribute("min");
  if (action.max) input.max = action.max; else input.removeAttribute("max");
  $("picker-title").textContent = action.label || "Choose";
  $("picker-panel").hidden = false;
  $("picker-ok").onclick = async () => {
    if (!input.value) { toast("Choose a value"); return; }
    $("picker-panel").hidden = true;
    await sendPostback(action.data || "", { [mode]: input.value }, null);
  };
}

function openLocation() {
  $("location-lat").value ||= cfg.defaultLat;
  $("location-lon").value ||= cfg.defaultLon;
  $("location-panel").hidden = false;
}

// ---------------------------------------------------------------- rendering
// The time beside each message, as the LINE app shows it (24-hour, the browser's time zone).
function timeOf(ms) {
  const at = new Date(ms || Date.now());
  const hhmm = String(at.getHours()).padStart(2, "0") + ":" + String(at.getMinutes()).padStart(2, "0");
  return el("time", { class: "meta", "data-testid": "message-time", datetime: at.toISOString(), text: hhmm });
}

function stickerNode(sticker, testid) {
  return el("div", { class: "sticker", "data-testid": testid, role: "img",
    "aria-label": `sticker ${sticker.packageId}/${sticker.stickerId}`, text: stickerFace(sticker) });
}

function renderLocal(entry) {
  const box = $("messages");
  let content;
  if (entry.image) {
    content = el("img", { class: "photo", "data-testid": "user-image", src: entry.image,
      alt: entry.text || "photo" });
  } else if (entry.sticker) {
    content = stickerNode(entry.sticker, "user-sticker");
  } else {
    content = el("div", { class: "bubble", "data-testid": "user-bubble", text: entry.text });
  }
  box.append(el("div", { class: "msg user", dataset: { testid: "user-message" } },
    [timeOf(entry.at), content]));
  box.scrollTop = box.scrollHeight;
}

function renderBot(record) {
  const m = record.message;
  let content;
  switch (m.type) {
    case "text": case "textV2":
      content = el("div", { class: "bubble", "data-testid": "bot-bubble", text: m.text }); break;
    case "flex":
      content = renderFlex(m.contents); content.dataset.testid = "bot-flex";
      content.setAttribute("aria-label", m.altText || ""); break;
    case "template":
      content = renderTemplate(m.template); break;
    case "location":
      content = el("div", { class: "location-card", "data-testid": "bot-bubble" },
        [el("strong", { text: "📍 " + (m.title || "") }), el("div", { text: m.address || "" }),
         el("small", { text: `${m.latitude}, ${m.longitude}` })]); break;
    case "sticker":
      content = stickerNode(m, "bot-sticker"); break;
    case "image":
      content = el("img", { class: "photo", "data-testid": "bot-image", src: m.previewImageUrl,
        alt: "image" });
      content.addEventListener("click", () => window.open(m.originalContentUrl, "_blank", "noopener"));
      break;
    case "audio":
      content = el("audio", { class: "voice", "data-testid": "bot-audio", controls: "",
        preload: "none", src: m.originalContentUrl,
        title: `${Math.round(m.duration / 1000)} s` });
      break;
    default:
      content = el("div", { class: "bubble", "data-testid": "bot-bubble", text: m.altText || `(${m.type})` });
  }
  const row = el("div", { class: "msg bot", dataset: { testid: "bot-message", seq: record.seq, via: record.via } },
    [content, timeOf(record.at)]);
  $("messages").append(row);
}

const TEXT_SIZES = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74 };
const SPACING = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
const px = (v, table = SPACING) => (v in table ? table[v] + "px" : v);

function renderFlex(container) {
  if (container.type === "carousel") {
    return el("div", { class: "flex-carousel", "data-testid": "flex-carousel" },
      (container.contents || []).map(renderBubble));
  }
  return renderBubble(container);
}

function renderBubble(bubble) {
  const styles = bubble.styles || {};
  const node = el("div", { class: "flex-bubble " + (bubble.size || "mega"), "data-testid": "flex-bubble" });
  for (const block of ["header", "hero", "body", "footer"]) {
    if (!bubble[block]) continue;
    const wrap = el("div", { class: "fx-block fx-" + block,
      style: { backgroundColor: (styles[block] || {}).backgroundColor } });
    if (block === "footer") wrap.style.paddingTop = "0";
    wrap.append(renderComponent(bubble[block], "vertical", true));
    node.append(wrap);
  }
  if (bubble.action) clickable(node, bubble.action);
  return node;
}

function clickable(node, action) {
  node.classList.add("clickable");
  node.addEventListener("click", (e) => { e.stopPropagation(); perform(action); });
}

function renderComponent(c, parentLayout, first) {
  let node;
  const margin = c.margin && !first ? px(c.margin) : null;
  switch (c.type) {
    case "box": {
      node = el("div", { class: "fx-box " + c.layout });
      const gap = c.spacing ? px(c.spacing) : "0";
      (c.contents || []).forEach((child, i) => {
        const childNode = renderComponent(child, c.layout, i === 0);
        if (i > 0 && !child.margin && gap !== "0") {
          childNode.style[c.layout === "vertical" ? "marginTop" : "marginLeft"] = gap;
        }
        node.append(childNode);
      });
      Object.assign(node.style, {
        backgroundColor: c.backgroundColor, borderColor: c.borderColor,
        borderWidth: c.borderWidth ? px(c.borderWidth, { none: 0, light: 0.5, normal: 1, medium: 2, "semi-bold": 3, bold: 4 }) : null,
        borderStyle: c.borderWidth ? "solid" : null,
        borderRadius: c.cornerRadius ? px(c.cornerRadius) : null,
        padding: c.paddingAll ? px(c.paddingAll) : null,
        paddingTop: c.paddingTop ? px(c.paddingTop) : null, paddingBottom: c.paddingBottom ? px(c.paddingBottom) : null,
        paddingLeft: c.paddingStart ? px(c.paddingStart) : null, paddingRight: c.paddingEnd ? px(c.paddingEnd) : null,
        justifyContent: c.justifyContent, alignItems: c.alignItems, width: c.width, height: c.height,
      });
      break;
    }
    case "text": {
      const size = TEXT_SIZES[c.size] || (c.size ? parseFloat(c.size) : 14);
      node = el("div", { class: "fx-text " + (c.wrap ? "wrap" : "nowrap"), "data-testid": "flex-text" });
      if (Array.isArray(c.contents) && c.contents.length) {
        for (const span of c.contents) {
          node.append(el("span", { text: span.text, style: {
            color: span.color, fontWeight: span.weight === "bold" ? "bold" : null,
            fontSize: span.size ? (TEXT_SIZES[span.size] || parseFloat(span.size)) + "px" : null,
            fontStyle: span.style === "italic" ? "italic" : null, textDecoration: span.decoration } }));
        }
      } else node.textContent = c.text;
      Object.assign(node.style, {
        fontSize: size + "px", fontWeight: c.weight === "bold" ? "bold" : null, color: c.color,
        textAlign: c.align === "end" ? "right" : c.align === "center" ? "center" : null,
        fontStyle: c.style === "italic" ? "italic" : null, textDecoration: c.decoration,
        lineHeight: c.lineSpacing ? `calc(1.4em + ${c.lineSpacing})` : null,
      });
      if (c.maxLines) Object.assign(node.style, { display: "-webkit-box", webkitLineClamp: c.maxLines,
        webkitBoxOrient: "vertical", overflow: "hidden" });
      break;
    }
    case "button": {
      const a = c.action || {};
      node = el("button", { type: "button", class: `fx-button ${c.style || "link"} ${c.height || ""}`,
        "data-testid": "flex-button", text: a.label || "" });
      if (c.color) node.style[(c.style || "link") === "link" ? "color" : "backgroundColor"] = c.color;
      node.addEventListener("click", (e) => { e.stopPropagation(); perform(a); });
      break;
    }
    case "image": {
      const [w, h] = (c.aspectRatio || "1:1").split(":").map(Number);
      node = el("div", { class: "fx-image", role: "img", "data-testid": "flex-image",
        style: { aspectRatio: `${w} / ${h}`, backgroundImage: `url("${c.url}")`,
                 backgroundSize: c.aspectMode === "fit" ? "contain" : "cover",
                 backgroundColor: c.backgroundColor } });
      if (c.size && c.size !== "full") node.style.maxWidth = { xxs: "40px", xs: "60px", sm: "80px", md: "100px", lg: "120px", xl: "140px", xxl: "160px" }[c.size] || c.size;
      break;
    }
    case "icon":
      node = el("span", { class: "fx-icon", style: { backgroundImage: `url("${c.url}")`, backgroundSize: "cover",
        fontSize: (TEXT_SIZES[c.size] || 14) + "px" } });
      break;
    case "separator":
      node = el("hr", { class: "fx-separator", style: { borderColor: c.color } });
      break;
    case "filler":
      node = el("div", { class: "fx-filler" });
      break;
    default:
      node = el("div", { text: `(${c.type})` });
  }
  if (margin) node.style[parentLayout === "vertical" ? "marginTop" : "marginLeft"] = margin;
  const flex = flexOf(c, parentLayout);
  if (flex !== null) node.style.flex = flex;
  if (c.offsetTop) node.style.marginTop = c.offsetTop;
  if (c.action && c.type !== "button") clickable(node, c.action);
  return node;
}

// LINE's Flex layout: `flex` N >= 1 is a component's share of the box's main axis; 0 means
// the component keeps its content's size (it does not vanish). Defaults: 1 in a horizontal
// or baseline box, 0 in a vertical one; a filler always grows; separators and icons keep
// their own size.
function flexOf(c, parentLayout) {
  if (c.type === "separator" || c.type === "icon" || c.type === "span") return null;
  const horizontal = parentLayout !== "vertical";
  // a box given a width keeps it, as in LINE
  if (horizontal && c.type === "box" && c.width && c.flex === undefined) return "0 0 auto";
  const n = c.flex !== undefined ? Number(c.flex) : (c.type === "filler" || horizontal ? 1 : 0);
  if (n > 0) return horizontal ? `${n} ${n} 0` : `${n} ${n} auto`;
  return "0 0 auto";
}

function renderTemplate(t) {
  const actionButton = (a) => el("button", { type: "button", "data-testid": "template-button",
    text: a.label || "", onclick: () => perform(a) });
  if (t.type === "carousel") {
    return el("div", { class: "flex-carousel" }, t.columns.map((col) => el("div", { class: "template" }, [
      col.title && el("div", { class: "t-title", text: col.title }),
      el("div", { class: "t-text", text: col.text }),
      el("div", { class: "t-actions" }, (col.actions || []).map(actionButton))])));
  }
  return el("div", { class: "template " + t.type, "data-testid": "bot-template" }, [
    t.title && el("div", { class: "t-title", text: t.title }),
    el("div", { class: "t-text", text: t.text }),
    el("div", { class: "t-actions" }, (t.actions || []).map(actionButton))]);
}

function clearQuickReplies() { $("quick-replies").replaceChildren(); }

function renderQuickReplies(message) {
  clearQuickReplies();
  const items = (message.quickReply || {}).items || [];
  items.forEach((item, i) => {
    const a = item.action || {};
    const label = a.label || { location: "Location", camera: "Camera", cameraRoll: "Camera roll" }[a.type] || a.type;
    $("quick-replies").append(el("button", { type: "button", class: "chip", "data-testid": "quick-reply",
      dataset: { index: i, actionType: a.type }, text: label, onclick: () => perform(a) }));
  });
}

// ---------------------------------------------------------------- rich menu
function menuLabel(action) {
  return action.label || action.text || action.displayText || action.data || action.uri || action.type;
}

function renderRichMenu(view) {
  const wrap = $("richmenu-wrap"), box = $("richmenu");
  state.menu = view;
  if (!view) { wrap.hidden = true; box.replaceChildren(); return; }
  const menu = view.richMenu, { width, height } = menu.size;
  wrap.hidden = false;
  box.replaceChildren();
  box.dataset.richMenuId = view.richMenuId;
  box.classList.toggle("no-image", !view.hasImage);
  box.style.aspectRatio = `${width} / ${height}`;
  if (view.hasImage) box.append(el("img", { src: view.imageUrl, alt: menu.name || "rich menu" }));
  menu.areas.forEach((area, i) => {
    const b = area.bounds;
    box.append(el("button", {
      type: "button", class: "richmenu-area", "data-testid": "richmenu-area",
      dataset: { index: i, actionType: area.action.type }, title: menuLabel(area.action),
      text: view.hasImage ? "" : menuLabel(area.action),
      style: { left: (100 * b.x / width) + "%", top: (100 * b.y / height) + "%",
               width: (100 * b.width / width) + "%", height: (100 * b.height / height) + "%" },
      onclick: () => perform(area.action),
    }));
  });
  $("chatbar-toggle").textContent = (menu.chatBarText || "Menu") + " ▾";
}

$("chatbar-toggle").addEventListener("click", () => $("richmenu").classList.toggle("closed"));

async function switchRichMenu(action) {
  // As LINE does: switch the menu on the client, then send the postback with the new alias.
  try {
    const view = (await json("GET", "/richmenu/alias/" + encodeURIComponent(action.richMenuAliasId))).menu;
    state.menuOverride = { view, serverMenuId: state.serverMenuId };
    renderRichMenu(view);
    await sendPostback(action.data || "", { newRichMenuAliasId: action.richMenuAliasId, status: "SUCCESS" });
  } catch (err) {
    await sendPostback(action.data || "", { newRichMenuAliasId: action.richMenuAliasId, status: "RICHMENU_ALIAS_ID_NOTFOUND" });
  }
}

async function refreshRichMenu() {
  if (!state.user) return;
  const view = (await json("GET", "/richmenu?user=" + encodeURIComponent(state.user))).menu;
  const serverId = view ? view.richMenuId + ":" + view.hasImage : null;
  if (state.menuOverride && state.menuOverride.serverMenuId === serverId) return;
  state.menuOverride = null;
  if (serverId !== state.serverMenuId || !state.menu) {
    state.serverMenuId = serverId;
    renderRichMenu(view);
    if (view && !view.richMenu.selected) $("richmenu").classList.add("closed");
  }
}

// ---------------------------------------------------------------- users and polling
async function loadUsers(select) {
  state.users = (await json("GET", "/users")).users;
  const sel = $("user-select");
  sel.replaceChildren(...state.users.map((u) => el("option", { value: u.userId,
    text: `${u.displayName} (${u.language || "no language"})${u.isFriend ? "" : " · blocked"}` })));
  const want = select || state.user || localStorage.getItem("machibot-sim:current");
  if (want && state.users.some((u) => u.userId === want)) await switchUser(want);
  else if (state.users.length) await switchUser(state.users[0].userId);
  else $("new-user-panel").hidden = false;
}

async function switchUser(userId) {
  state.user = userId; state.lastSeq = 0; state.menu = null; state.serverMenuId = null;
  state.menuOverride = null;
  localStorage.setItem("machibot-sim:current", userId);
  $("user-select").value = userId;
  document.body.dataset.user = userId;
  const u = state.users.find((x) => x.userId === userId) || {};
  state.friend = u.isFriend !== false;
  updateFriendUi();
  $("chat-title").textContent = `machibot — ${u.displayName || userId}`;
  $("messages").replaceChildren(); clearQuickReplies();
  const { messages } = await json("GET", `/messages?user=${encodeURIComponent(userId)}&after=0`);
  if (userId !== state.user) return;  // switched again meanwhile
  // read after the server's answer: what the person sent meanwhile is in it too
  const local = JSON.parse(localStorage.getItem("machibot-sim:" + userId) || "[]");
  // a poll may have shown some of these while this read was under way: draw them all anew
  $("messages").replaceChildren(); clearQuickReplies();
  const timeline = [...local.map((e) => ({ at: e.at, local: e })), ...messages.map((m) => ({ at: m.at, bot: m }))]
    .sort((a, b) => a.at - b.at);
  for (const item of timeline) item.local ? renderLocal(item.local) : renderBot(item.bot);
  if (messages.length) {
    state.lastSeq = Math.max(state.lastSeq, messages[messages.length - 1].seq);
    const last = timeline[timeline.length - 1];
    if (last.bot) renderQuickReplies(last.bot.message);
  }
  $("messages").scrollTop = $("messages").scrollHeight;
  await refreshRichMenu();
}

function updateFriendUi() {
  $("friend-toggle").textContent = state.friend ? "Block" : "Unblock";
  $("blocked-banner").hidden = state.friend;
}

async function poll() {
  if (state.user) {
    try {
      const user = state.user;
      const data = await json("GET", `/messages?user=${encodeURIComponent(user)}&after=${state.lastSeq}`);
      if (user === state.user) {
        $("loading").hidden = !data.loading;
        // only what is newer than what is shown: reading the whole chat may have shown it
        const fresh = data.messages.filter((m) => m.seq > state.lastSeq);
        for (const m of fresh) { renderBot(m); state.lastSeq = m.seq; }
        if (fresh.length) {
          renderQuickReplies(fresh[fresh.length - 1].message);
          $("messages").scrollTop = $("messages").scrollHeight;
          await refreshRichMenu();
        }
      }
      if (++poll.count % 4 === 0) await refreshRichMenu();
    } catch (err) { /* server restarting: try again on the next tick */ }
  }
  setTimeout(poll, 600);
}
poll.count = 0;

// ---------------------------------------------------------------- wiring
$("composer").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = $("text-input"), text = input.value.trim();
  input.value = "";
  await sendText(text);
});
$("user-select").addEventListener("change", (e) => switchUser(e.target.value));
$("new-user-button").addEventListener("click", () => { $("new-user-panel").hidden = false; });
$("cancel-new-user").addEventListener("click", () => { $("new-user-panel").hidden = true; });
$("new-user-panel").addEventListener("submit", async (e) => {
  e.preventDefault();
  const created = await json("POST", "/users", {
    displayName: $("new-user-name").value, language: $("new-user-language").value });
  $("new-user-panel").hidden = true;
  await loadUsers(created.userId);
  if (created.created) await sendEvent(Object.assign(baseEvent("follow", true), { follow: { isUnblocked: false } }));
});
$("friend-toggle").addEventListener("click", async () => {
  const becomeFriend = !state.friend;
  await json("POST", "/friend", { user: state.user, isFriend: becomeFriend });
  state.friend = becomeFriend;
  updateFriendUi();
  const users = await json("GET", "/users");
  state.users = users.users;
  if (becomeFriend) await sendEvent(Object.assign(baseEvent("follow", true), { follow: { isUnblocked: true } }));
  else await sendEvent(baseEvent("unfollow", false));
});
$("location-button").addEventListener("click", openLocation);
$("photo-button").addEventListener("click", sendImage);
$("sticker-button").addEventListener("click", openStickers);
$("cancel-location").addEventListener("click", () => { $("location-panel").hidden = true; });
$("send-location").addEventListener("click", async () => {
  $("location-panel").hidden = true;
  await sendLocation(parseFloat($("location-lat").value), parseFloat($("location-lon").value),
    $("location-title").value, $("location-address").value);
});
$("picker-cancel").addEventListener("click", () => { $("picker-panel").hidden = true; });

loadUsers().then(() => { document.body.dataset.ready = "1"; });
poll();
