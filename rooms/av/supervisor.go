package av

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Supervisor runs one goroutine per device. That goroutine owns the
// device's driver: it connects, reconnects with backoff, polls, and runs
// the commands posted to its bounded queue under a circuit breaker. A
// device that hangs or answers garbage delays only its own queue, and each
// caller waits at most for its own context.
type Supervisor struct {
	log      *slog.Logger
	onChange func(Status)

	mu      sync.RWMutex
	devices map[string]*device
	closed  bool
	wg      sync.WaitGroup
	cancel  context.CancelFunc
	ctx     context.Context
}

// NewSupervisor starts an empty supervisor. onChange (may be nil) hears
// every change of a device's health or state, from the device goroutines:
// it must not block.
func NewSupervisor(log *slog.Logger, onChange func(Status)) *Supervisor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if onChange == nil {
		onChange = func(Status) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Supervisor{log: log, onChange: onChange, devices: map[string]*device{}, ctx: ctx, cancel: cancel}
}

// Add starts supervising a device with the given driver.
func (s *Supervisor) Add(cfg DeviceConfig, drv Driver) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if _, dup := s.devices[cfg.ID]; dup {
		return fmt.Errorf("device %q is supervised already", cfg.ID)
	}
	d := newDevice(cfg, drv, s.log.With("device", cfg.ID, "kind", cfg.Kind), s.onChange)
	s.devices[cfg.ID] = d
	if r, ok := drv.(Reporter); ok {
		r.OnReport(d.report)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		d.run(s.ctx)
	}()
	return nil
}

// Do runs one command on a device and waits for its result, at most until
// ctx ends or the device's own command timeout passes.
func (s *Supervisor) Do(ctx context.Context, id string, cmd Command) error {
	d, err := s.device(id)
	if err != nil {
		return err
	}
	return d.submit(ctx, cmd)
}

func (s *Supervisor) device(id string) (*device, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	d, ok := s.devices[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownDevice, id)
	}
	return d, nil
}

// Status returns one device's status.
func (s *Supervisor) Status(id string) (Status, error) {
	d, err := s.device(id)
	if err != nil {
		return Status{}, err
	}
	return d.status(), nil
}

// Statuses returns the status of the given devices (all when ids is
// empty), ordered by id.
func (s *Supervisor) Statuses(ids ...string) []Status {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Status
	for id, d := range s.devices {
		if len(ids) == 0 || contains(ids, id) {
			out = append(out, d.status())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// SetProblem notes a configuration problem found outside the device's
// own connection (camera follow's session) in its status ("": solved).
func (s *Supervisor) SetProblem(id, problem string) {
	if d, err := s.device(id); err == nil {
		d.setProblem(problemFollow, problem)
	}
}

// Close stops every device goroutine and closes the drivers; it returns
// when all have ended.
func (s *Supervisor) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// device is the state one device goroutine owns; only status is shared.
type device struct {
	cfg      DeviceConfig
	drv      Driver
	log      *slog.Logger
	onChange func(Status)
	queue    chan request
	breaker  *gobreaker.CircuitBreaker[State]

	mu sync.Mutex
	st Status
	// problems by where they were found (problemConnect, problemFollow);
	// Status.Problem joins them.
	problems map[string]string
}

const (
	problemConnect = "connect"
	problemFollow  = "follow"
)

// name is how errors call the device: its label, else its id.
func (d *device) name() string {
	if d.cfg.Label != "" {
		return d.cfg.Label
	}
	return d.cfg.ID
}

type request struct {
	ctx   context.Context
	cmd   Command
	reply chan error
}

func newDevice(cfg DeviceConfig, drv Driver, log *slog.Logger, onChange func(Status)) *device {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = DefaultCommandTimeout
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = pollEvery[cfg.Kind]
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = DefaultPollEvery
	}
	d := &device{cfg: cfg, drv: drv, log: log, onChange: onChange, queue: make(chan request, QueueLength),
		st: Status{ID: cfg.ID, Kind: cfg.Kind, Health: Offline}}
	d.breaker = gobreaker.NewCircuitBreaker[State](gobreaker.Settings{
		Name:        cfg.ID,
		Timeout:     BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= BreakerFailures },
		// A caller giving up is not the device's fault, and a refusal is
		// an answer: only silence and broken connections trip the breaker.
		IsExcluded: func(err error) bool {
			var gone *callerGone
			return errors.As(err, &gone)
		},
		IsSuccessful: func(err error) bool {
			var r *RefusedError
			return err == nil || errors.As(err, &r)
		},
	})
	return d
}

func (d *device) status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.st
	st.State = cloneState(d.st.State)
	return st
}

func cloneState(s State) State {
	if s == nil {
		return nil
	}
	out := make(State, len(s))
	for k, v := range s {
		out[k] = v
	}
	return out
}

// submit posts a command and waits for its result. A full queue answers
// at once: a device that hangs must not make callers pile up.
func (d *device) submit(ctx context.Context, cmd Command) error {
	req := request{ctx: ctx, cmd: cmd, reply: make(chan error, 1)}
	select {
	case d.queue <- req:
	default:
		return fmt.Errorf("%s: %w", d.name(), ErrBusy)
	}
	select {
	case err := <-req.reply:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", d.name(), ctx.Err())
	}
}

// run is the device goroutine.
func (d *device) run(ctx context.Context) {
	defer d.drv.Close()
	// Reconnection: after a failed attempt the next one waits backoff(n);
	// meanwhile commands are answered ErrOffline at once instead of each
	// waiting out a connect timeout against a device that is not there.
	failures := 0
	var nextAttempt time.Time
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	connected := false
	attempt := func() bool {
		open := d.breaker.State() == gobreaker.StateOpen
		if connected = d.connect(ctx); connected {
			failures = 0
			retry.Stop()
			return true
		}
		wait := breakerProbe
		if !open {
			// Only real attempts escalate the backoff; while the breaker
			// is open we just look often enough to notice it half-open.
			failures++
			wait = backoff(failures)
		}
		nextAttempt = time.Now().Add(wait)
		retry.Reset(wait)
		return false
	}
	if attempt() {
		d.poll(ctx)
	}
	// lost marks the connection broken after a failed contact: the next
	// command, or the timer, connects afresh at once.
	lost := func() {
		if connected {
			connected, failures, nextAttempt = false, 0, time.Time{}
			retry.Reset(0)
		}
	}
	poll := time.NewTicker(d.cfg.PollEvery)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			d.drain(ErrClosed)
			return
		case req := <-d.queue:
			if !connected && (time.Now().Before(nextAttempt) || !attempt()) {
				req.reply <- fmt.Errorf("%s: %w", d.name(), ErrOffline)
				continue
			}
			err := d.exec(ctx, req)
			if err == nil {
				// Read the new state before answering, so that the caller
				// (a panel) sees what its command did.
				d.poll(ctx)
			}
			req.reply <- err
			if brokeConnection(err) {
				lost()
			}
		case <-poll.C:
			if connected && brokeConnection(d.poll(ctx)) {
				lost()
			}
		case <-retry.C:
			if !connected && attempt() {
				d.poll(ctx)
			}
		}
	}
}

// brokeConnection says whether an error means the connection is no longer
// to be trusted: not for an answer (a refusal), and not when the caller
// gave up.
func brokeConnection(err error) bool {
	var refused *RefusedError
	var gone *callerGone
	return err != nil && !errors.As(err, &refused) && !errors.As(err, &gone)
}

// callerGone wraps the error of a command whose caller left (cancelled, or
// its own deadline passed): not the device's fault, so it neither counts
// against the breaker nor drops the connection.
type callerGone struct{ err error }

func (e *callerGone) Error() string { return e.err.Error() }
func (e *callerGone) Unwrap() error { return e.err }

// breakerProbe is how often a device with an open breaker is looked at.
const breakerProbe = 5 * time.Second

// backoff is the wait before reconnection attempt n: exponential from one
// second, capped at MaxBackoff, with ±20 % jitter so that a room's devices
// do not all knock at once after a power cut.
func backoff(n int) time.Duration {
	d := time.Second << min(n, 6)
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return min(d+jitter, MaxBackoff)
}

// connect (re)connects the driver. It is not counted by the breaker (a
// device that accepts connections but fails every command must still
// trip it), but an open breaker means no attempt until it half-opens.
func (d *device) connect(ctx context.Context) bool {
	if d.breaker.State() == gobreaker.StateOpen {
		d.record(ErrOffline, nil)
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, d.cfg.ConnectTimeout)
	defer cancel()
	err := d.drv.Connect(cctx)
	var cfg *ConfigError
	switch {
	case errors.As(err, &cfg):
		// It answered, but will not take the configuration: say what
		// is wrong in words; the reconnection backoff keeps trying, in
		// case the device is what gets changed.
		d.setProblem(problemConnect, cfg.Problem)
		d.record(fmt.Errorf("%w: %v", ErrOffline, err), nil)
	case err != nil:
		// Unreachable is offline, whatever the breaker says.
		d.record(fmt.Errorf("%w: %v", ErrOffline, err), nil)
	default:
		d.setProblem(problemConnect, "")
	}
	return err == nil
}

func (d *device) exec(ctx context.Context, req request) error {
	if err := req.ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", d.name(), &callerGone{err}) // the caller left while queued
	}
	timeout := d.cfg.CommandTimeout
	if t, ok := d.drv.(Timeouter); ok {
		timeout = max(timeout, t.Timeout(req.cmd))
	}
	cctx, cancel := context.WithTimeout(req.ctx, timeout)
	defer cancel()
	// Closing the supervisor ends a command in flight too: shutdown must
	// not wait out a hung projector's warm-up allowance.
	defer context.AfterFunc(ctx, cancel)()
	_, err := d.breaker.Execute(func() (State, error) {
		err := d.drv.Exec(cctx, req.cmd)
		if err != nil && req.ctx.Err() != nil {
			err = &callerGone{err}
		}
		return nil, err
	})
	if err == gobreaker.ErrOpenState || err == gobreaker.ErrTooManyRequests {
		err = ErrOffline
	}
	d.record(err, nil)
	if err != nil {
		return fmt.Errorf("%s %s: %w", d.name(), req.cmd.Name, err)
	}
	return nil
}

func (d *device) poll(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, d.cfg.CommandTimeout)
	defer cancel()
	st, err := d.breaker.Execute(func() (State, error) { return d.drv.Poll(cctx) })
	if err == gobreaker.ErrOpenState || err == gobreaker.ErrTooManyRequests {
		err = ErrOffline
	}
	d.record(err, st)
	return err
}

// record updates the shared status after a contact with the device and
// reports a change.
func (d *device) record(err error, st State) {
	d.mu.Lock()
	before := d.st
	now := time.Now().UTC()
	var refused *RefusedError
	var gone *callerGone
	switch {
	case errors.As(err, &gone):
		d.mu.Unlock()
		return // says nothing about the device
	case err == nil:
		d.st.Health, d.st.LastError, d.st.LastSeen = Online, "", now
		if st != nil {
			d.st.State = st
		}
	case errors.As(err, &refused):
		// It answered: online, with the refusal on record.
		d.st.Health, d.st.LastError, d.st.LastSeen = Online, err.Error(), now
	case d.breaker.State() == gobreaker.StateOpen || errors.Is(err, ErrOffline):
		d.st.Health, d.st.LastError = Offline, err.Error()
	default:
		d.st.Health, d.st.LastError = Degraded, err.Error()
	}
	if d.st.Health != before.Health {
		d.st.Since = now
		// The first contact going well is routine; every other change
		// (and a first contact that fails) is worth an operator's eye.
		level := slog.LevelInfo
		if before.LastSeen.IsZero() && d.st.Health == Online {
			level = slog.LevelDebug
		}
		d.log.Log(context.Background(), level, "device health", "health", d.st.Health, "err", d.st.LastError)
	}
	changed := d.st.Health != before.Health || d.st.LastError != before.LastError || !sameState(before.State, d.st.State)
	out := d.st
	out.State = cloneState(d.st.State)
	d.mu.Unlock()
	if changed {
		d.onChange(out)
	}
}

func sameState(a, b State) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// setProblem records (or clears, with "") a configuration problem and
// reports the change.
func (d *device) setProblem(from, problem string) {
	d.mu.Lock()
	if d.problems == nil {
		d.problems = map[string]string{}
	}
	if d.problems[from] == problem {
		d.mu.Unlock()
		return
	}
	if problem == "" {
		delete(d.problems, from)
	} else {
		d.problems[from] = problem
	}
	var parts []string
	for _, k := range []string{problemConnect, problemFollow} {
		if p := d.problems[k]; p != "" {
			parts = append(parts, p)
		}
	}
	d.st.Problem = strings.Join(parts, "; ")
	out := d.st
	out.State = cloneState(d.st.State)
	d.mu.Unlock()
	d.onChange(out)
}

// report records a state the device sent by itself (see Reporter).
func (d *device) report(st State) {
	d.mu.Lock()
	if sameState(d.st.State, st) {
		d.mu.Unlock()
		return
	}
	d.st.State = cloneState(st)
	d.st.LastSeen = time.Now().UTC()
	out := d.st
	out.State = cloneState(d.st.State)
	d.mu.Unlock()
	d.onChange(out)
}

// drain answers the commands still queued when the supervisor stops.
func (d *device) drain(err error) {
	for {
		select {
		case req := <-d.queue:
			req.reply <- fmt.Errorf("%s: %w", d.name(), err)
		default:
			return
		}
	}
}
