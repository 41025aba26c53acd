package signaling

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// Hub holds the open meetings and serves /ws.
//
// Goroutines: each connection has its reader, and a writer only while it
// has something to write (signaling/conn.go); one ticker pings every
// connection; each open meeting has one goroutine that owns its state.
// Close waits for all of them.
type Hub struct {
	cfg      Config
	auth     Authorizer
	media    MediaEngine
	log      *slog.Logger
	now      func() time.Time
	timing   timing
	upgrader websocket.Upgrader

	ctx    context.Context // cancelled by Close (pending Authorize calls)
	cancel context.CancelFunc

	mu       sync.Mutex
	closed   bool
	meetings map[string]*meeting
	conns    map[*conn]struct{}
	// pinging: the ping ticker runs (from the first connection on).
	pinging bool
	// ended marks meetings that ended (not by shutdown) until their
	// closing time: a join that passed Authorize before the end must not
	// open them anew.
	ended map[string]time.Time
	wg    sync.WaitGroup
	// closers counts media Close calls running off meeting goroutines.
	closers sync.WaitGroup
	// seats are the rooms' request lists (signaling/seats.go).
	seats seatBoard
	// hellos limits the hellos per client address (limits.go).
	hellos *accounts.Limiters
}

// Buffer sizes of a connection (see NewHub); wsWriteBuffers is shared by
// all of them.
const (
	wsReadBuffer  = 1024
	wsWriteBuffer = 4096
)

var wsWriteBuffers sync.Pool

// NewHub starts a hub.
func NewHub(cfg Config, auth Authorizer, media MediaEngine) *Hub {
	h := &Hub{
		cfg:      cfg,
		auth:     auth,
		media:    media,
		log:      cfg.Log,
		now:      cfg.Now,
		timing:   defaultTiming,
		meetings: make(map[string]*meeting),
		conns:    make(map[*conn]struct{}),
		ended:    make(map[string]time.Time),
		hellos:   accounts.NewLimiters(helloEvery, helloBurst, helloMaxTrack),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	origins := slices.Clone(cfg.AllowedOrigins)
	h.upgrader = websocket.Upgrader{
		HandshakeTimeout: handshakeTimeout,
		// Small buffers, and the write buffer only while a message is
		// written: a waiter in the lobby is idle for minutes, and
		// net/http's 4 KiB buffers (gorilla's default) would stay with
		// every connection. A larger message is read in several turns.
		ReadBufferSize:  wsReadBuffer,
		WriteBufferSize: wsWriteBuffer,
		WriteBufferPool: &wsWriteBuffers,
		CheckOrigin: func(r *http.Request) bool {
			o := r.Header.Get("Origin")
			return o != "" && slices.Contains(origins, o)
		},
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h
}

// ServeHTTP upgrades /ws requests (origin-checked) and runs the connection.
// The reader runs in a goroutine of its own, not the handler's: once the
// handler returns, net/http lets go of the request and its connection's
// buffers, which an idle waiter in the lobby would otherwise hold for
// as long as it waits.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.enter() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	addr, relayed, ok := h.clientOf(r)
	if !ok {
		h.wg.Done()
		// Not counted under the relaying node's address: on a cluster the
		// owner alone checks PINs, and the nodes' addresses are shared by
		// every guest they relay. The relaying node tells its client to
		// try again (moving).
		http.Error(w, "relay signature not valid", http.StatusForbidden)
		return
	}
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.wg.Done()
		h.log.Debug("websocket upgrade refused", "err", err)
		return // the upgrader has answered (403 for a foreign origin)
	}
	go h.run(ws, addr, relayed) // with enter's count of h.wg
}

// run registers the connection and enters the meeting (or its lobby);
// then the reader carries on in a goroutine of its own, which takes over
// run's count of h.wg.
//
// The reader of a waiter idle in the lobby sits in a read for minutes,
// and its goroutine's stack is most of what the connection costs. The
// join's large frames (the ticket, the participant, the Authorizer's
// calls) grow run's stack, and the runtime halves a stack at a collection
// only while less than a quarter of it is in use. The fresh goroutine's
// frames beneath the blocking read are small (conn.read; about 1 KiB
// with gorilla's, bufio's and net's in Go 1.26), so it fits the
// runtime's smallest stack (2 KiB) and, once a message has grown it,
// shrinks back to 4 KiB.
func (h *Hub) run(ws *websocket.Conn, addr string, relayed bool) {
	ws.SetReadLimit(maxMessageSize)
	c := newConn(ws, h.timing, h.log)
	c.relayed = relayed
	if h.register(c) {
		if m, id := h.enterMeeting(c, addr); m != nil {
			c.hub, c.meeting, c.id = h, m, id
			c.watchPongs()
			go c.read()
			return
		}
		h.unregister(c)
	}
	h.finish(c)
}

// finish ends the connection once its reader has stopped: it waits for
// the goodbye (whose writer waits a moment for the client's close frame)
// and gives back the count of h.wg that enter took.
func (h *Hub) finish(c *conn) {
	defer h.wg.Done()
	close(c.readerDone)
	c.drop() // no-op if a goodbye is under way
	<-c.done
}

// enter counts a handler in unless the hub is closed.
func (h *Hub) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.wg.Add(1)
	return true
}

func (h *Hub) register(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		c.close(refusal(ReasonShutdown))
		return false
	}
	h.conns[c] = struct{}{}
	if !h.pinging {
		h.pinging = true
		every := h.timing.ping
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.pingLoop(every)
		}()
	}
	return true
}

// pingLoop asks every connection for a ping each period until the hub
// closes: one ticker for the hub, not one per connection, and the pings
// are written by the connections' writers (a stalled client holds up
// only its own).
func (h *Hub) pingLoop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		h.mu.Lock()
		for c := range h.conns {
			c.ping()
		}
		h.mu.Unlock()
	}
}

func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

// open returns the meeting of spec.ID, opening it if needed with what
// memo remembers (nil: nothing; Hub.recall reads it); nil and why not
// once the hub is closed (shutdown) or the meeting has ended (ended).
func (h *Hub) open(spec MeetingSpec, memo *MeetingMemo) (*meeting, *Refusal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, refusal(ReasonShutdown)
	}
	if m := h.meetings[spec.ID]; m != nil {
		return m, nil
	}
	if until, ok := h.ended[spec.ID]; ok {
		if h.now().Before(until) {
			return nil, refusal(ReasonEnded)
		}
		delete(h.ended, spec.ID)
	}
	m := newMeeting(h, spec)
	m.recalled = memo
	m.chamber.reqs, m.chamber.seats = h.seats.get(spec.Room)
	h.meetings[spec.ID] = m
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		m.run()
	}()
	return m, nil
}

// forget removes a meeting that has closed; unless it closed for a
// shutdown or a move, it stays ended until its closing time.
func (h *Hub) forget(m *meeting, why *Refusal) {
	until, ended := m.endedUntil(why)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.meetings[m.id] == m {
		delete(h.meetings, m.id)
	}
	if ended {
		h.markEnded(m.id, until)
	}
}

// endedUntil is until when a meeting that closed for why stays ended;
// false: it does not (a shutdown or a move: it opens again, here or on
// another node; or its closing time has passed, and serve refuses it
// anyway).
func (m *meeting) endedUntil(why *Refusal) (time.Time, bool) {
	if why.Reason == ReasonShutdown || why.Reason == ReasonMoving {
		return time.Time{}, false
	}
	now := m.hub.now()
	until := m.spec.Closes
	if until.IsZero() {
		until = now.Add(endedMarkerTTL)
	}
	return until, now.Before(until)
}

// markEnded keeps id ended until until. h.mu held.
func (h *Hub) markEnded(id string, until time.Time) {
	if len(h.ended) >= maxEndedMarkers {
		h.pruneEnded(h.now())
	}
	h.ended[id] = until
}

// pruneEnded drops expired markers and, if the map is still full, the
// one that expires first. h.mu held.
func (h *Hub) pruneEnded(now time.Time) {
	for id, until := range h.ended {
		if !now.Before(until) {
			delete(h.ended, id)
		}
	}
	if len(h.ended) < maxEndedMarkers {
		return
	}
	first, firstUntil := "", time.Time{}
	for id, until := range h.ended {
		if first == "" || until.Before(firstUntil) {
			first, firstUntil = id, until
		}
	}
	delete(h.ended, first)
}

// Ended reports whether a meeting was ended (by a host, End or its
// closing time) and stays ended: a link to it leads nowhere until then.
func (h *Hub) Ended(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	until, ok := h.ended[id]
	return ok && h.now().Before(until)
}

func (h *Hub) lookup(id string) *meeting {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.meetings[id]
}

// Update changes an open meeting's spec (a new end, title); a meeting not
// open is left alone.
//
// It waits at most postTimeout for the meeting to take the change.
func (h *Hub) Update(spec MeetingSpec) {
	if m := h.lookup(spec.ID); m != nil {
		ctx, cancel := context.WithTimeout(context.Background(), postTimeout)
		defer cancel()
		m.postCtx(ctx, updateReq{spec: spec})
	}
}

// End closes a meeting now for everyone with the reason (e.g.
// ReasonEnded); unknown ids are ignored. It returns once the meeting has
// taken the request, not when every client is gone, and waits at most
// postTimeout for that.
func (h *Hub) End(meetingID, reason string) {
	if m := h.lookup(meetingID); m != nil {
		ctx, cancel := context.WithTimeout(context.Background(), postTimeout)
		defer cancel()
		m.postCtx(ctx, endReq{why: refusal(reason)})
	}
}

// Revoke sends away every participant and lobby waiter (hosts too) of the
// meeting whose Ticket.Link is not stillValid: closed{invalid_token,
// "This link was withdrawn."}, audited as "revoke". stillValid runs on the
// meeting's goroutine and must not block. Like End, it returns once the
// meeting has taken the request (at most postTimeout).
func (h *Hub) Revoke(meetingID string, stillValid func(link string) bool) {
	if m := h.lookup(meetingID); m != nil {
		ctx, cancel := context.WithTimeout(context.Background(), postTimeout)
		defer cancel()
		m.postCtx(ctx, revokeReq{stillValid: stillValid})
	}
}

// Meetings lists the open meetings, sorted by id. A meeting that does not
// answer within postTimeout (in all) is left out.
func (h *Hub) Meetings() []MeetingInfo {
	h.mu.Lock()
	ms := make([]*meeting, 0, len(h.meetings))
	for _, m := range h.meetings {
		ms = append(ms, m)
	}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), postTimeout)
	defer cancel()
	infos := make([]MeetingInfo, 0, len(ms))
	for _, m := range ms {
		res := make(chan MeetingInfo, 1)
		if !m.postCtx(ctx, infoReq{res: res}) {
			continue
		}
		select {
		case info := <-res:
			infos = append(infos, info)
		case <-ctx.Done():
			m.log.Warn("meeting did not answer in time")
		}
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].ID < infos[j].ID })
	return infos
}

// Meeting reports one open meeting; ok is false when it is not open (or
// does not answer in time).
func (h *Hub) Meeting(id string) (info MeetingInfo, ok bool) {
	h.mu.Lock()
	m := h.meetings[id]
	h.mu.Unlock()
	if m == nil {
		return info, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), postTimeout)
	defer cancel()
	res := make(chan MeetingInfo, 1)
	if !m.postCtx(ctx, infoReq{res: res}) {
		return info, false
	}
	select {
	case info = <-res:
		return info, true
	case <-ctx.Done():
		return info, false
	}
}

// Close tells everyone (ReasonShutdown), closes every meeting and waits
// for every goroutine, at most hubCloseWait: then it drops what is left
// and returns. New connections get 503 from then on.
func (h *Hub) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), hubCloseWait)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		h.log.Warn("hub closed before everything ended", "err", err)
	}
}

// Shutdown is Close that gives up waiting at ctx's end: it then drops
// every connection's socket and returns ctx's error (goroutines still
// running end on their own, e.g. an Authorizer that ignores its context).
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	already := h.closed
	h.closed = true
	var ms []*meeting
	for _, m := range h.meetings {
		ms = append(ms, m)
	}
	var cs []*conn
	for c := range h.conns {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	if !already {
		h.cancel()
		for _, c := range cs {
			c.close(refusal(ReasonShutdown))
		}
		for _, m := range ms {
			m.postCtx(ctx, endReq{why: refusal(ReasonShutdown)})
		}
	}
	done := make(chan struct{})
	go func() {
		h.wg.Wait() // meetings first: they add closers until they end
		h.closers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	h.mu.Lock()
	for c := range h.conns {
		_ = c.ws.NetConn().Close()
	}
	h.mu.Unlock()
	return ctx.Err()
}
