// The sandbox page: a small Slack look-alike that polls the sandbox's JSON API and renders Block Kit.
"use strict";

const S = {
  texts: {}, lang: "en", user: null, room: null, tab: "messages", state: null,
  paneKey: "", modalKey: "", errors: {}, busy: false, seen: {},
};

// ---------------------------------------------------------------------------------------------
// Talking to the sandbox

async function api(name, body) {
  const options = body ? {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)} : {};
  const response = await fetch("/sandbox/" + name, options);
  const data = await response.json();
  if (!data.ok) throw new Error(data.error || "failed");
  return data;
}

async function act(name, body, busyText) {
  if (S.busy) return;
  setBusy(true, busyText);
  try {
    const state = await api(name, Object.assign({user: S.user}, body));
    if (state.errors !== undefined) S.errors = state.errors || {};
    if (state.notice) toast(state.notice);
    if (name === "clock") toast(tx("moved", {count: state.sent}));
    apply(state);
  } catch (error) {
    toast(tx("failed"));
  } finally {
    setBusy(false);
  }
}

function setBusy(on, text) {
  S.busy = on;
  document.body.classList.toggle("busy", on);
  document.querySelectorAll(".clock-step").forEach(b => { b.disabled = on; });
  if (on && text) toast(text, true);
  if (!on && S.stickyToast) document.getElementById("toast").hidden = true;
}

async function poll() {
  if (!S.busy && S.user) {
    try { apply(await api("state?user=" + encodeURIComponent(S.user))); } catch (e) { /* the next poll tries again */ }
  }
  setTimeout(poll, 1200);
}

function tx(key, params) {
  let text = S.texts[key] || key;
  for (const [name, value] of Object.entries(params || {})) text = text.split("{" + name + "}").join(String(value));
  return text;
}

let toastTimer = null;
function toast(text, sticky) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.hidden = false;
  S.stickyToast = !!sticky;
  clearTimeout(toastTimer);
  if (!sticky) toastTimer = setTimeout(() => { box.hidden = true; }, 3500);
}

// ---------------------------------------------------------------------------------------------
// Rendering the whole page from the state

function apply(state) {
  S.state = state;
  renderClock();
  const pane = JSON.stringify([S.room, S.tab, state.conversations, state.home && state.home.hash, state.people]);
  if (pane !== S.paneKey) {
    S.paneKey = pane;
    renderSidebar();
    renderPane();
  }
  renderModal();
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function tzOf(userId) {
  const person = S.state && S.state.people[userId];
  return person ? person.tz : "UTC";
}

function fmt(date, options) {
  return new Intl.DateTimeFormat(S.locale, Object.assign({timeZone: tzOf(S.user)}, options)).format(date);
}

function renderClock() {
  const now = new Date(S.state.now);
  document.getElementById("clock-now").textContent = fmt(now, {weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false});
  const others = S.state.team.filter(id => id !== S.user).map(id => {
    const person = S.state.people[id];
    const local = new Intl.DateTimeFormat(S.locale, {timeZone: person.tz, weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false}).format(now);
    return tx("local", {name: person.name.split(" ")[0], time: local});
  });
  document.getElementById("clock-local").textContent = others.join(" · ");
}

function roomName(room) {
  return room.dm ? "leadbot" : "#" + room.name;
}

function renderSidebar() {
  const bar = document.getElementById("sidebar");
  S.whoami = S.whoami || document.getElementById("whoami");  // kept across redraws: it holds the select
  bar.replaceChildren();
  bar.append(el("div", {class: "workspace"}, "Sandbox"));
  bar.append(S.whoami);
  const section = (title, rooms) => {
    bar.append(el("div", {class: "section"}, title));
    for (const room of rooms) {
      const count = (S.state.conversations[room.id] || []).length;
      const unread = room.id !== S.room && count > (S.seen[room.id] || 0);
      bar.append(el("button", {
        class: "room" + (room.id === S.room ? " active" : "") + (unread ? " unread" : ""),
        "data-room": room.id,
        onclick: () => openRoom(room.id, "messages"),
      }, room.dm ? el("span", {class: "dot"}) : el("span", {class: "hash"}, "#"), room.dm ? "leadbot" : room.name,
         unread ? el("span", {class: "badge"}, count - (S.seen[room.id] || 0)) : null));
    }
  };
  section(tx("channels"), S.state.rooms.filter(r => !r.dm));
  section(tx("apps"), S.state.rooms.filter(r => r.dm));
  bar.append(el("div", {class: "intro"}, tx("intro")));
}

function openRoom(roomId, tab) {
  S.room = roomId;
  S.tab = tab;
  S.paneKey = "";
  apply(S.state);
  if (tab === "home") act("home", {});
}

function currentRoom() {
  return S.state.rooms.find(r => r.id === S.room) || S.state.rooms.find(r => r.dm);
}

function renderPane() {
  const room = currentRoom();
  S.room = room.id;
  const head = document.getElementById("pane-head");
  const body = document.getElementById("pane-body");
  head.replaceChildren(el("div", {class: "title"}, room.dm ? el("span", {class: "avatar bot small"}, "lb") : null, roomName(room)));
  if (room.dm) {
    const tab = (name, label) => el("button", {class: "tab" + (S.tab === name ? " active" : ""), "data-tab": name, onclick: () => openRoom(room.id, name)}, label);
    head.append(el("div", {class: "tabs"}, tab("home", tx("home")), tab("messages", tx("messages"))));
  }
  const composer = document.getElementById("composer");
  composer.hidden = room.dm && S.tab === "home";
  document.getElementById("composer-input").placeholder = tx("composer", {room: roomName(room)});
  const nearBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 80;
  body.replaceChildren();
  if (room.dm && S.tab === "home") {
    const home = S.state.home;
    body.append(home ? el("div", {class: "home"}, renderBlocks(home.blocks, {view: home})) : el("div", {class: "empty"}, tx("home_loading")));
    return;
  }
  const messages = S.state.conversations[room.id] || [];
  S.seen[room.id] = messages.length;
  if (!messages.length) body.append(el("div", {class: "empty"}, tx("empty")));
  let lastDay = "";
  const top = messages.filter(m => !m.thread_ts || m.thread_ts === m.ts);
  const replies = messages.filter(m => m.thread_ts && m.thread_ts !== m.ts);
  for (const message of top) {
    const day = fmt(new Date(parseFloat(message.ts) * 1000), {weekday: "long", day: "numeric", month: "long"});
    if (day !== lastDay) { body.append(el("div", {class: "day"}, el("span", {}, day))); lastDay = day; }
    body.append(renderMessage(message));
    const thread = replies.filter(r => r.thread_ts === message.ts);
    if (thread.length) body.append(el("div", {class: "thread"}, thread.map(renderMessage)));
  }
  const orphans = replies.filter(r => !top.some(m => m.ts === r.thread_ts));
  for (const message of orphans) body.append(renderMessage(message));
  if (nearBottom || !S.scrolled) { body.scrollTop = body.scrollHeight; S.scrolled = true; }
}

function renderMessage(message) {
  const fromBot = !!message.bot_id || !!message.is_ephemeral;  // ephemerals come from leadbot too
  const author = fromBot ? "leadbot" : ((S.state.people[message.user] || {}).name || message.user);
  const time = fmt(new Date(parseFloat(message.ts) * 1000), {hour: "2-digit", minute: "2-digit", hour12: false});
  const surface = {channel: message.channel, ts: message.ts, ephemeral: !!message.is_ephemeral};
  const content = message.blocks && message.blocks.length
    ? renderBlocks(message.blocks, {surface})
    : el("div", {class: "mrkdwn", html: mrkdwn(message.text || "")});
  const initials = author.split(" ").map(w => w[0]).join("").slice(0, 2);
  // Slack's ⋮ "More actions" on a message, with leadbot's message shortcut in it (not on ephemerals: Slack has none).
  const menu = message.is_ephemeral ? null : messageMenu(message);
  return el("div", {class: "msg" + (message.is_ephemeral ? " ephemeral" : ""), "data-ts": message.ts}, menu,
    el("div", {class: "avatar" + (fromBot ? " bot" : "")}, fromBot ? "lb" : initials),
    el("div", {class: "msg-main"},
      el("div", {class: "msg-head"}, el("strong", {}, author), fromBot ? el("span", {class: "app-badge"}, tx("app_badge")) : null,
         el("span", {class: "time"}, time), message.edited ? el("span", {class: "time"}, tx("edited")) : null),
      message.is_ephemeral ? el("div", {class: "only-you"}, tx("only_you")) : null,
      content,
      (message.files || []).map(f => el("div", {class: "file"}, el("div", {class: "file-title"}, f.title), el("img", {src: f.url, alt: f.title}))),
    ));
}

function messageMenu(message) {
  const items = el("div", {class: "overflow-menu", hidden: true},
    el("button", {type: "button", class: "overflow-item", "data-shortcut": "capture_as_lead",
      onclick: () => { items.hidden = true; act("shortcut", {channel: message.channel, ts: message.ts}, tx("working")); }},
      tx("capture_as_lead")));
  return el("div", {class: "overflow msg-menu"},
    el("button", {type: "button", class: "btn overflow-btn", title: tx("message_menu"), "aria-label": tx("message_menu"),
      onclick: () => { items.hidden = !items.hidden; }}, "⋮"), items);
}

// ---------------------------------------------------------------------------------------------
// Slack mrkdwn

const EMOJI = {wave: "👋", tada: "🎉", warning: "⚠️", bell: "🔔", calendar: "📅", date: "📅", memo: "📝",
  white_check_mark: "✅", x: "❌", hourglass: "⌛", hourglass_flowing_sand: "⏳", fire: "🔥", zzz: "💤",
  chart_with_upwards_trend: "📈", telephone_receiver: "📞", email: "📧", handshake: "🤝", moneybag: "💰",
  sunrise: "🌅", mag: "🔍", eyes: "👀", star: "⭐", bulb: "💡", clipboard: "📋", inbox_tray: "📥", rotating_light: "🚨",
  question: "❓", point_right: "👉", raising_hand: "🙋", muscle: "💪", trophy: "🏆", bar_chart: "📊", sparkles: "✨"};

function escapeHtml(text) {
  return text.replace(/&(?!(amp|lt|gt);)/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function mrkdwn(text) {
  const links = [];
  // Slack's <…> tokens first: mentions, channels, links; then the inline styles.
  let out = text.replace(/<([^<>]+)>/g, (_, inner) => {
    let html;
    if (inner.startsWith("@")) {
      const id = inner.slice(1).split("|")[0];
      html = `<span class="mention">@${escapeHtml((S.state.people[id] || {}).name || id)}</span>`;
    } else if (inner.startsWith("#")) {
      const [id, label] = inner.slice(1).split("|");
      const room = S.state.rooms.find(r => r.id === id);
      html = `<span class="mention">#${escapeHtml(label || (room ? room.name : id))}</span>`;
    } else if (inner.startsWith("!")) {
      const word = inner.slice(1).split("|")[0];
      html = word.startsWith("date^") ? escapeHtml(inner.split("|")[1] || "") : `<span class="mention">@${escapeHtml(word)}</span>`;
    } else {
      const [url, label] = inner.split("|");
      html = `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(label || url)}</a>`;
    }
    links.push(html);
    return "\u0000" + (links.length - 1) + "\u0000";
  });
  out = escapeHtml(out);
  out = out.replace(/```([\s\S]*?)```/g, (_, code) => `<pre>${code}</pre>`);
  out = out.replace(/`([^`\n]+)`/g, (_, code) => `<code>${code}</code>`);
  out = out.replace(/(^|[\s(（])\*([^*\n]+)\*(?=$|[\s.,:;!?)）])/gm, "$1<b>$2</b>");
  out = out.replace(/(^|[\s(（])_([^_\n]+)_(?=$|[\s.,:;!?)）])/gm, "$1<i>$2</i>");
  out = out.replace(/(^|[\s(（])~([^~\n]+)~(?=$|[\s.,:;!?)）])/gm, "$1<s>$2</s>");
  out = out.replace(/^&gt; ?(.*)$/gm, "<blockquote>$1</blockquote>");
  out = out.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
  out = out.replace(/\u0000(\d+)\u0000/g, (_, i) => links[Number(i)]);
  return out.replace(/\n/g, "<br>");
}

function textObject(obj) {
  if (!obj) return el("span");
  if (obj.type === "mrkdwn") return el("span", {class: "mrkdwn", html: mrkdwn(obj.text)});
  return el("span", {html: escapeHtml(obj.text).replace(/:([a-z0-9_+-]+):/g, (w, n) => EMOJI[n] || w).replace(/\n/g, "<br>")});
}

// ---------------------------------------------------------------------------------------------
// Block Kit

function renderBlocks(blocks, ctx) {
  return el("div", {class: "blocks"}, blocks.map(block => renderBlock(block, ctx)));
}

function renderBlock(block, ctx) {
  switch (block.type) {
    case "header": return el("div", {class: "b-header"}, textObject(block.text));
    case "divider": return el("hr", {class: "b-divider"});
    case "context": return el("div", {class: "b-context"}, block.elements.map(e =>
      e.type === "image" ? el("img", {src: e.image_url, alt: e.alt_text}) : textObject(e)));
    case "image": return el("div", {class: "b-image"}, block.title ? el("div", {class: "file-title"}, textObject(block.title)) : null,
      el("img", {src: block.image_url, alt: block.alt_text}));
    case "actions": return el("div", {class: "b-actions"}, block.elements.map(e => renderElement(e, block, ctx)));
    case "input": return renderInput(block, ctx);
    case "section": {
      const main = el("div", {class: "b-section-main"},
        block.text ? el("div", {class: "b-text"}, textObject(block.text)) : null,
        block.fields ? el("div", {class: "b-fields"}, block.fields.map(f => el("div", {class: "b-field"}, textObject(f)))) : null);
      return el("div", {class: "b-section"}, main,
        block.accessory ? el("div", {class: "b-accessory"}, renderElement(block.accessory, block, ctx)) : null);
    }
    default: return el("div", {class: "b-unknown"}, block.type);
  }
}

function send(ctx, block, element, chosen) {
  const surface = ctx.view ? {view_id: ctx.view.id} : ctx.surface;
  const values = ctx.view && ctx.view.type === "modal" ? modalValues(ctx.view) : undefined;
  act("action", {surface, block_id: block.block_id, action_id: element.action_id, chosen, values}, tx("working"));
}

function options(element) {
  const list = [...(element.options || [])];
  for (const group of element.option_groups || []) list.push(...group.options);
  return list;
}

function plainOf(obj) { return obj ? obj.text : ""; }

function renderElement(element, block, ctx) {
  const placeholder = plainOf(element.placeholder) || tx("choose");
  switch (element.type) {
    case "button":
      return el("button", {class: "btn" + (element.style ? " " + element.style : ""), type: "button",
        "data-action": element.action_id, "data-value": element.value,
        onclick: () => {
          if (element.url) window.open(element.url, "_blank", "noopener");
          if (element.confirm && !window.confirm(plainOf(element.confirm.title) + "\n\n" + plainOf(element.confirm.text))) return;
          send(ctx, block, element, {value: element.value});
        }}, plainOf(element.text));
    case "static_select": case "external_select": {
      const select = el("select", {class: "select", "data-action": element.action_id,
        onchange: () => send(ctx, block, element, {selected_option: select.value})},
        el("option", {value: ""}, placeholder),
        options(element).map(o => el("option", {value: o.value, selected: element.initial_option && element.initial_option.value === o.value}, plainOf(o.text))));
      return select;
    }
    case "users_select": case "conversations_select": case "channels_select": {
      const isUser = element.type === "users_select";
      const list = isUser ? S.state.team.map(id => [id, S.state.people[id].name]) : S.state.rooms.filter(r => !r.dm).map(r => [r.id, "#" + r.name]);
      const initial = element.initial_user || element.initial_conversation || element.initial_channel;
      const select = el("select", {class: "select", "data-action": element.action_id,
        onchange: () => send(ctx, block, element, isUser ? {selected_user: select.value} : {selected_conversation: select.value})},
        el("option", {value: ""}, placeholder), list.map(([id, name]) => el("option", {value: id, selected: id === initial}, name)));
      return select;
    }
    case "overflow": {
      const menu = el("div", {class: "overflow-menu", hidden: true},
        options(element).map(o => el("button", {type: "button", class: "overflow-item", "data-value": o.value,
          onclick: () => { menu.hidden = true; send(ctx, block, element, {selected_option: o.value}); }}, plainOf(o.text))));
      return el("div", {class: "overflow"},
        el("button", {type: "button", class: "btn overflow-btn", "data-action": element.action_id, "aria-label": "⋮",
          onclick: () => { menu.hidden = !menu.hidden; }}, "⋮"), menu);
    }
    case "datepicker": {
      const input = el("input", {type: "date", class: "date", value: element.initial_date || "", "data-action": element.action_id,
        onchange: () => input.value && send(ctx, block, element, {selected_date: input.value})});
      return input;
    }
    case "timepicker": {
      const input = el("input", {type: "time", class: "date", value: element.initial_time || "",
        onchange: () => input.value && send(ctx, block, element, {selected_time: input.value})});
      return input;
    }
    case "image": return el("img", {class: "accessory-image", src: element.image_url, alt: element.alt_text});
    default: return el("span", {class: "b-unknown"}, element.type);
  }
}

// ---------------------------------------------------------------------------------------------
// Modals

function renderInput(block, ctx) {
  const element = block.element;
  const id = "in-" + block.block_id;
  let control;
  const placeholder = plainOf(element.placeholder);
  switch (element.type) {
    case "plain_text_input":
      control = element.multiline
        ? el("textarea", {id, rows: 4, placeholder, maxlength: element.max_length})
        : el("input", {id, type: "text", placeholder, maxlength: element.max_length});
      control.value = element.initial_value || "";
      break;
    case "number_input":
      control = el("input", {id, type: "number", step: element.is_decimal_allowed ? "any" : "1", placeholder,
        min: element.min_value, max: element.max_value});
      control.value = element.initial_value || "";
      break;
    case "static_select": case "external_select":
      control = el("select", {id}, el("option", {value: ""}, placeholder || tx("choose")),
        options(element).map(o => el("option", {value: o.value, selected: element.initial_option && element.initial_option.value === o.value}, plainOf(o.text))));
      break;
    case "users_select":
      control = el("select", {id}, el("option", {value: ""}, placeholder || tx("choose")),
        S.state.team.map(uid => el("option", {value: uid, selected: uid === element.initial_user}, S.state.people[uid].name)));
      break;
    case "conversations_select": case "channels_select":
      control = el("select", {id}, el("option", {value: ""}, placeholder || tx("choose")),
        S.state.rooms.filter(r => !r.dm).map(r => el("option", {value: r.id, selected: r.id === (element.initial_conversation || element.initial_channel)}, "#" + r.name)));
      break;
    case "datepicker":
      control = el("input", {id, type: "date", value: element.initial_date || ""});
      break;
    case "timepicker":
      control = el("input", {id, type: "time", value: element.initial_time || ""});
      break;
    case "checkboxes": case "radio_buttons": {
      const multi = element.type === "checkboxes";
      const initial = multi ? (element.initial_options || []).map(o => o.value) : [element.initial_option && element.initial_option.value];
      control = el("div", {id, class: "choices"}, options(element).map(o => el("label", {class: "choice"},
        el("input", {type: multi ? "checkbox" : "radio", name: id, value: o.value, checked: initial.includes(o.value)}),
        textObject(o.text), o.description ? el("span", {class: "hint"}, textObject(o.description)) : null)));
      break;
    }
    default:
      control = el("span", {class: "b-unknown"}, element.type);
  }
  control.dataset.blockId = block.block_id;
  control.dataset.kind = element.type;
  if (block.dispatch_action) control.addEventListener("change", () => send(ctx, block, element, {value: readControl(control)}));
  const error = S.errors[block.block_id];
  return el("div", {class: "b-input" + (error ? " has-error" : ""), "data-block": block.block_id},
    el("label", {for: id, class: "label"}, plainOf(block.label), block.optional ? el("span", {class: "optional"}, " " + tx("optional")) : null),
    control,
    block.hint ? el("div", {class: "hint"}, plainOf(block.hint)) : null,
    error ? el("div", {class: "error"}, error) : null);
}

function readControl(control) {
  const kind = control.dataset.kind;
  if (kind === "checkboxes") return [...control.querySelectorAll("input:checked")].map(i => i.value);
  if (kind === "radio_buttons") { const on = control.querySelector("input:checked"); return on ? on.value : null; }
  const value = control.value;
  if (kind === "plain_text_input" || kind === "number_input") return value;
  return value === "" ? null : value;
}

function modalValues(view) {
  const values = {};
  document.querySelectorAll("#modal [data-block-id]").forEach(control => {
    values[control.dataset.blockId] = readControl(control);
  });
  return values;
}

function renderModal() {
  const overlay = document.getElementById("overlay");
  const view = S.state.modal;
  if (!view) {
    overlay.hidden = true;
    S.modalKey = "";
    S.modalBase = "";
    return;
  }
  const base = view.id + ":" + view.hash;
  if (base !== S.modalBase) S.errors = {};  // a new or changed view starts without errors
  const key = base + ":" + JSON.stringify(S.errors);
  if (key === S.modalKey) return;
  // Re-drawing the same view (to show errors) keeps what the user typed.
  const kept = base === S.modalBase ? modalValues(view) : null;
  S.modalBase = base;
  S.modalKey = key;
  const modal = document.getElementById("modal");
  const ctx = {view};
  modal.replaceChildren(
    el("div", {class: "modal-head"}, el("span", {class: "avatar bot small"}, "lb"), el("h2", {}, plainOf(view.title)),
      el("button", {type: "button", class: "x", "aria-label": tx("cancel"), onclick: closeModal}, "×")),
    el("form", {class: "modal-body", id: "modal-form", onsubmit: (e) => { e.preventDefault(); submitModal(view); }},
      renderBlocks(view.blocks, ctx)),
    el("div", {class: "modal-foot"},
      el("button", {type: "button", class: "btn", onclick: closeModal}, view.close ? plainOf(view.close) : tx("cancel")),
      view.submit ? el("button", {type: "submit", form: "modal-form", class: "btn primary", id: "modal-submit"}, plainOf(view.submit)) : null));
  if (kept) {
    for (const [blockId, value] of Object.entries(kept)) {
      const control = modal.querySelector(`[data-block-id="${CSS.escape(blockId)}"]`);
      if (!control || Array.isArray(value)) continue;
      if (control.dataset.kind !== "radio_buttons") control.value = value === null ? "" : value;
    }
  }
  overlay.hidden = false;
}

function closeModal() {
  const view = S.state.modal;
  S.errors = {};
  if (view) act("close", {view_id: view.id});
}

function submitModal(view) {
  const values = modalValues(view);
  const missing = {};
  for (const block of view.blocks) {
    if (block.type !== "input" || block.optional) continue;
    const value = values[block.block_id];
    if (value === null || value === "" || (Array.isArray(value) && !value.length)) missing[block.block_id] = tx("required");
  }
  if (Object.keys(missing).length) {
    S.errors = missing;
    renderModal();
    return;
  }
  act("submit", {view_id: view.id, values}, tx("working"));
}

// ---------------------------------------------------------------------------------------------
// Start-up

// A click anywhere else closes an open overflow menu, as in Slack.
document.addEventListener("click", (event) => {
  document.querySelectorAll(".overflow-menu:not([hidden])").forEach(menu => {
    if (!menu.parentNode.contains(event.target)) menu.hidden = true;
  });
});

async function main() {
  const texts = await api("texts");
  S.texts = texts.texts;
  S.lang = texts.language;
  S.locale = texts.locale;  // the language's BCP 47 tag, from its catalog
  document.documentElement.lang = S.locale;
  document.title = tx("title");
  document.getElementById("brand").textContent = tx("title");
  document.getElementById("clock-label").textContent = tx("clock");
  document.getElementById("who-label").textContent = tx("pick_user");
  document.getElementById("composer-send").textContent = tx("send");
  document.querySelectorAll(".clock-step").forEach(b => {
    b.textContent = tx(b.dataset.step);
    b.addEventListener("click", () => act("clock", {step: b.dataset.step}, tx("moving")));
  });
  const first = await api("state");
  S.user = new URLSearchParams(location.search).get("user") || first.team[0];
  // The first person's state before anyone can be picked: the picker's handler reads it.
  const mine = await api("state?user=" + encodeURIComponent(S.user));
  S.room = mine.rooms.find(r => r.dm).id;
  apply(mine);
  const who = document.getElementById("who");
  for (const id of first.team) {
    const person = first.people[id];
    const role = id === first.team[first.team.length - 1] ? tx("role_manager") : tx("role_rep");
    who.append(el("option", {value: id, selected: id === S.user}, `${person.name} · ${role} · ${person.tz.split("/").pop().replace("_", " ")}`));
  }
  who.addEventListener("change", () => {
    const wasDm = S.state.rooms.some(r => r.dm && r.id === S.room);
    S.user = who.value; S.seen = {}; S.scrolled = false; S.paneKey = ""; S.modalKey = ""; S.modalBase = "";
    if (wasDm) S.room = null;  // the new person's own DM with leadbot
    act("state", {});
  });
  document.getElementById("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("composer-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    act("command", {channel: S.room, text}, tx("working"));
  });
  poll();
}

main();
