// The join page's heartbeat (signaling/PROTOCOL.md, "Connection"). A
// network path that dies silently (Wi-Fi gone without a reset, the
// server's machine without power, a NAT that forgot the flow) does not
// close the WebSocket for minutes, and a page cannot see the WebSocket
// pings that would tell. So the page asks: a ping every 5 s once
// welcomed, and at once when it has reason to doubt (back online, shown
// again, its media connection failed). When nothing at all comes back in
// time, the connection is given up and the page reconnects as after any
// drop (join-reconnect.js).

const every = 5000;     // a ping while connected
const patience = 8000;  // some message within this of a ping
// The first message (the welcome) within this of opening. On a cluster a
// join may be relayed to the meeting's node, which may take up to 15 s to
// answer while a guest's PIN check waits its turn (signaling/relay.go,
// relayOwnerFirst); the page must not give up and retry sooner, or the
// retry waits its turn again.
const firstWait = 20000;
const spacing = 1000;   // hints never ping more often than this

let send = () => {};
let lost = () => {};
let sock = null;        // the connection watched
let deadline = 0;       // it is given up when this fires
let ticker = 0;         // the next ping
let pinging = false;    // welcomed, and the server answers pings
let lastPing = 0;

// initWatchdog: send sends on the current connection; lost(sock) is
// called when sock stayed silent too long (once; the page abandons it).
export function initWatchdog(opts) {
  send = opts.send;
  lost = opts.lost;
  window.addEventListener('online', nudge);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') nudge(); });
}

// watch starts watching a connection just opened: its first message must
// come within firstWait (a connection whose handshake hangs in a dead
// network never opens, and never closes either).
export function watch(s) {
  unwatch();
  sock = s;
  arm(firstWait);
}

// heard: a message arrived on the watched connection; it is alive.
export function heard() {
  clearTimeout(deadline);
  deadline = 0;
}

// welcomed: in the meeting or the lobby; from now on the page pings.
export function beat() {
  if (!sock || pinging) return;
  pinging = true;
  ticker = setInterval(ping, every);
}

// refused: a server before the heartbeat answered the ping with
// error{bad_message}. No more pings on this connection (each would count
// as a protocol error, and twenty of them close it); the page waits for
// the connection to end, as it did before.
export function refused() {
  pinging = false;
  clearInterval(ticker);
  ticker = 0;
  heard();
}

// nudge: a hint that the connection may be dead; ask now.
export function nudge() {
  if (Date.now() - lastPing >= spacing) ping();
}

// unwatch: the connection ended (or is being left); nothing to watch.
export function unwatch() {
  clearTimeout(deadline);
  clearInterval(ticker);
  deadline = ticker = 0;
  sock = null;
  pinging = false;
}

function ping() {
  // One unanswered ping is enough: its deadline already runs.
  if (!pinging || deadline || sock?.readyState !== WebSocket.OPEN) return;
  lastPing = Date.now();
  send({ type: 'ping' });
  arm(patience);
}

function arm(ms) {
  clearTimeout(deadline);
  const s = sock;
  deadline = setTimeout(() => {
    deadline = 0;
    if (s !== sock) return;
    unwatch();
    lost(s);
  }, ms);
}
