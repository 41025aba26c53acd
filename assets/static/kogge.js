// Kogge's front page: log in, see a room's day, book it. Every text that
// comes from the server is set with textContent, never as HTML.
const $ = (id) => document.getElementById(id);
let rooms = [];

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch("/api/v1" + path, opts);
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  return { ok: res.ok, status: res.status, data };
}

// offsetAt returns the UTC offset ("+01:00") of zone at the given wall-clock
// time, so that 16:00 in Berlin is sent as 16:00+01:00 whatever the
// browser's own zone is.
function offsetAt(zone, y, m, d, hh, mm) {
  const fmt = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
  let guess = Date.UTC(y, m - 1, d, hh, mm);
  for (let i = 0; i < 2; i++) {
    const name = fmt.formatToParts(new Date(guess)).find((p) => p.type === "timeZoneName").value;
    const off = name === "GMT" ? "+00:00" : name.slice(3);
    const mins = (off[0] === "-" ? -1 : 1) * (parseInt(off.slice(1, 3)) * 60 + parseInt(off.slice(4, 6)));
    const next = Date.UTC(y, m - 1, d, hh, mm) - mins * 60000;
    if (next === guess) return off;
    guess = next;
  }
  return fmt.formatToParts(new Date(guess)).find((p) => p.type === "timeZoneName").value.slice(3) || "+00:00";
}

function localInstant(zone, day, time) {
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  return `${day}T${time.padStart(5, "0")}:00${offsetAt(zone, y, m, d, hh, mm)}`;
}

function nextDay(day) {
  const t = new Date(day + "T12:00:00Z");
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}

function show(section) {
  $("login").hidden = section !== "login";
  $("app").hidden = section !== "app";
  $("who").hidden = section !== "app";
}

async function start() {
  const me = await api("GET", "/session");
  if (!me.ok) return show("login");
  $("who-name").textContent = `${me.data.user.name} (${me.data.user.role})`;
  $("enrol").hidden = !me.data.must_enrol_totp;
  show("app");
  if (me.data.must_enrol_totp) return;
  const r = await api("GET", "/rooms");
  rooms = r.ok ? r.data.rooms : [];
  const sel = $("room");
  sel.replaceChildren(...rooms.map((room) => new Option(`${room.name} (${room.capacity} Plätze)`, room.id)));
  if (!$("day").value) $("day").value = new Date().toISOString().slice(0, 10);
  await refresh();
  await refreshAV();
}

function currentRoom() {
  return rooms.find((r) => r.id === $("room").value);
}

async function refresh() {
  const room = currentRoom();
  if (!room) return;
  const day = $("day").value;
  $("room-info").textContent = `${room.building || ""} · buchbar ${room.bookable_hours} · Vorbereitung ${room.setup_minutes} min, Nachbereitung ${room.teardown_minutes} min`;
  const q = new URLSearchParams({ from: localInstant(room.zone, day, "00:00"), to: localInstant(room.zone, nextDay(day), "00:00") });
  const r = await api("GET", `/rooms/${encodeURIComponent(room.id)}/availability?${q}`);
  const list = $("slots");
  if (!r.ok) {
    list.replaceChildren(problemItem(r));
    return;
  }
  const names = { free: "frei", busy: "belegt", closed: "geschlossen" };
  list.replaceChildren(...r.data.slots.map((s) => {
    const li = document.createElement("li");
    li.className = s.state;
    const t = document.createElement("time");
    t.textContent = `${s.start_local.slice(11, 16)}–${s.end_local.slice(11, 16)}`;
    const what = document.createElement("span");
    what.textContent = s.booking ? `${names[s.state]}: ${s.booking.title || "(vertraulich)"}` : names[s.state];
    li.append(t, what);
    return li;
  }));
}

// The room's AV: device health and state, and a button per scene.
async function refreshAV() {
  const room = currentRoom();
  const r = room && (await api("GET", `/rooms/${encodeURIComponent(room.id)}/devices`));
  $("av").hidden = !r || !r.ok || r.data.devices.length === 0;
  if ($("av").hidden) return;
  const health = { online: "bereit", degraded: "gestört", offline: "nicht erreichbar" };
  $("devices").replaceChildren(...r.data.devices.map((d) => {
    const li = document.createElement("li");
    li.className = d.health;
    const name = document.createElement("strong");
    name.textContent = d.id;
    const what = document.createElement("span");
    const state = Object.entries(d.state || {}).map(([k, v]) => `${k}: ${v}`).join(", ");
    what.textContent = `${health[d.health] || d.health}${state ? " · " + state : ""}${d.last_error ? " · " + d.last_error : ""}`;
    li.append(name, what);
    return li;
  }));
  $("scenes").replaceChildren(...r.data.scenes.map((name) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = `Szene „${name}“`;
    b.addEventListener("click", async () => {
      $("scene-result").textContent = `Szene „${name}“ läuft …`;
      const res = await api("POST", `/rooms/${encodeURIComponent(room.id)}/scenes/${encodeURIComponent(name)}`);
      const failed = res.ok ? res.data.results.filter((x) => !x.ok) : [];
      $("scene-result").textContent = !res.ok ? (res.data && res.data.detail) || `Fehler ${res.status}`
        : failed.length === 0 ? `Szene „${name}“ ausgeführt.` : `Szene „${name}“: ${failed.map((x) => `${x.device} ${x.command}: ${x.error}`).join("; ")}`;
      refreshAV();
    });
    return b;
  }));
}

function problemItem(r) {
  const li = document.createElement("li");
  li.textContent = (r.data && r.data.detail) || `Fehler ${r.status}`;
  return li;
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const r = await api("POST", "/session", { name: f.get("name"), password: f.get("password"), code: f.get("code") || "" });
  if (r.ok) {
    $("login-error").textContent = "";
    ev.target.reset();
    return start();
  }
  if (r.data && r.data.type === "/problems/totp-required") $("code-label").hidden = false;
  $("login-error").textContent = (r.data && r.data.detail) || `Fehler ${r.status}`;
});

$("logout").addEventListener("click", async () => {
  await api("DELETE", "/session");
  show("login");
});

$("room").addEventListener("change", refresh);
$("room").addEventListener("change", refreshAV);
$("day").addEventListener("change", refresh);

$("book").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const room = currentRoom();
  const f = new FormData(ev.target);
  const day = $("day").value;
  const body = {
    room: room.id, title: f.get("title"), kind: f.get("kind"), confidential: f.get("confidential") === "on",
    start: localInstant(room.zone, day, f.get("start")), end: localInstant(room.zone, day, f.get("end")),
  };
  const r = await api("POST", "/bookings", body);
  const err = $("book-error");
  err.replaceChildren();
  $("book-ok").textContent = "";
  if (r.ok) {
    $("book-ok").textContent = `Gebucht: ${r.data.title}, ${r.data.start_local.slice(11, 16)}–${r.data.end_local.slice(11, 16)}`;
    ev.target.reset();
    return refresh();
  }
  const p = document.createElement("p");
  p.textContent = (r.data && r.data.detail) || `Fehler ${r.status}`;
  err.append(p);
  for (const c of (r.data && r.data.conflicts) || []) {
    const q = document.createElement("p");
    q.textContent = `Kollidiert mit ${c.title || "einer vertraulichen Buchung"} (${new Date(c.start).toLocaleTimeString("de-DE", { timeZone: room.zone, hour: "2-digit", minute: "2-digit" })}–${new Date(c.end).toLocaleTimeString("de-DE", { timeZone: room.zone, hour: "2-digit", minute: "2-digit" })})`;
    err.append(q);
  }
});

start();
