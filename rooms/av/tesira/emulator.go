package tesira

import (
	"errors"
	"log/slog"
	"net"
	"sort"
	"sync"
	"time"
)

// BlockKind is the kind of a DSP block, which decides its attributes.
type BlockKind int

const (
	LevelBlock      BlockKind = iota // level (dB) and mute per channel
	MuteBlock                        // mute per channel
	LogicMeterBlock                  // state per channel: a mic's gate or request button
)

// Block is one instance tag in the emulated design.
type Block struct {
	Tag      string
	Kind     BlockKind
	Channels int // 8 when zero
}

// SubscribeOrder is where a subscription's first publication goes relative
// to its +OK; docs/protocols/tesira.md §6 allows all three.
type SubscribeOrder int

const (
	PublishThenOK   SubscribeOrder = iota // as in the spec's example session
	OKThenPublish                         // the publication after the +OK
	PublishSameLine                       // `! "publishToken":… "value":… +OK`
)

// EmulatorOptions describe the emulated device; the zero value is a
// Tesira with Level1, Mute1 and LogicMeter1, eight channels each.
type EmulatorOptions struct {
	Blocks             []Block
	MinLevel, MaxLevel float64 // level range for clamping; -100…12 when both are zero
	// Negotiation is sent on connect; nil means FF FD 18 FF FB 01 FF FB 03
	// FF FD 1F, as in the spec's example.
	Negotiation []byte
	// BannerDelay holds the banner back, like a device that is slow to
	// greet; input before the banner is ignored.
	BannerDelay time.Duration
	// TerminalNotice sends `No entry for terminal type "unknown"; …`
	// before the banner, as the device does for clients that refuse
	// TERMINAL-TYPE.
	TerminalNotice bool
	// CRNUL ends lines with CR NUL instead of CR LF (both are Telnet).
	CRNUL          bool
	SubscribeOrder SubscribeOrder
	// IdleTimeout closes a silent session; zero means never, since the
	// spec gives TTP no idle timeout.
	IdleTimeout time.Duration
	Version     string // DEVICE get version; "4.4.1.2" by default
	// Username and Password protect the emulated system: each session
	// must log in before the banner (docs/protocols/tesira.md §10).
	Username, Password string
	Logger             *slog.Logger
}

// DefaultNegotiation is what the emulator proposes on connect.
var DefaultNegotiation = []byte{tnIAC, tnDO, 0x18, tnIAC, tnWILL, 0x01, tnIAC, tnWILL, 0x03, tnIAC, tnDO, 0x1F}

// Fault is a misbehaviour the emulator can be told to show.
type Fault struct {
	kind  faultKind
	delay time.Duration
}

type faultKind int

const (
	faultNone faultKind = iota
	faultHang
	faultDrop
	faultGarbage
	faultSlow
)

var (
	FaultNone    = Fault{}                   // behave
	FaultHang    = Fault{kind: faultHang}    // read commands, never echo or answer
	FaultDrop    = Fault{kind: faultDrop}    // close the connection on the next command, and new ones at once
	FaultGarbage = Fault{kind: faultGarbage} // answer every command with junk
)

// FaultSlow answers every command, echo included, only after d.
func FaultSlow(d time.Duration) Fault { return Fault{kind: faultSlow, delay: d} }

// emuWriteTimeout bounds each write to a client; a client that does not
// read for that long is dropped, so it cannot stall publications to others.
const emuWriteTimeout = 5 * time.Second

// sessionQueue bounds what waits to be written to one client.
const sessionQueue = 256

// Emulator is an in-process Tesira speaking TTP over Telnet. All state is
// guarded by mu; each session has one reader (Serve) and one writer.
type Emulator struct {
	opts EmulatorOptions
	log  *slog.Logger
	eol  string

	mu       sync.Mutex
	blocks   map[string]*blockState
	sessions map[*session]struct{}
	fault    Fault
	ln       net.Listener
	closed   bool
	wg       sync.WaitGroup
}

type blockState struct {
	kind  BlockKind
	mute  []bool
	level []float64
	state []bool
}

// NewEmulator builds an emulator; Start or Serve puts it to work.
func NewEmulator(opts EmulatorOptions) *Emulator {
	if opts.Blocks == nil {
		opts.Blocks = []Block{{Tag: "Level1", Kind: LevelBlock}, {Tag: "Mute1", Kind: MuteBlock}, {Tag: "LogicMeter1", Kind: LogicMeterBlock}}
	}
	if opts.MinLevel == 0 && opts.MaxLevel == 0 {
		opts.MinLevel, opts.MaxLevel = -100, 12
	}
	if opts.Negotiation == nil {
		opts.Negotiation = DefaultNegotiation
	}
	if opts.Version == "" {
		opts.Version = "4.4.1.2"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Emulator{opts: opts, log: opts.Logger, eol: "\r\n", blocks: map[string]*blockState{}, sessions: map[*session]struct{}{}}
	if opts.CRNUL {
		e.eol = "\r\x00"
	}
	for _, b := range opts.Blocks {
		n := b.Channels
		if n <= 0 {
			n = 8
		}
		e.blocks[b.Tag] = &blockState{kind: b.Kind, mute: make([]bool, n), level: make([]float64, n), state: make([]bool, n)}
	}
	return e
}

// Start listens on addr ("127.0.0.1:0" in tests) and serves every client.
func (e *Emulator) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		ln.Close()
		return errors.New("tesira emulator: closed")
	}
	e.ln = ln
	e.wg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			// Registered here, not in the new goroutine, so Close
			// always waits for it.
			if s := e.register(conn); s != nil {
				go e.run(s)
			}
		}
	}()
	return nil
}

// Addr is the listening address after Start, "" before.
func (e *Emulator) Addr() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ln == nil {
		return ""
	}
	return e.ln.Addr().String()
}

// Serve runs one session on conn (one end of a net.Pipe in tests) and
// returns when it ends.
func (e *Emulator) Serve(conn net.Conn) {
	if s := e.register(conn); s != nil {
		e.run(s)
	}
}

// Close stops listening, ends every session and waits for them.
func (e *Emulator) Close() error {
	e.mu.Lock()
	e.closed = true
	ln := e.ln
	sessions := make([]*session, 0, len(e.sessions))
	for s := range e.sessions {
		sessions = append(sessions, s)
	}
	e.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for _, s := range sessions {
		s.close()
	}
	e.wg.Wait()
	return nil
}

// SetFault makes every session misbehave from its next command on.
func (e *Emulator) SetFault(f Fault) {
	e.mu.Lock()
	e.fault = f
	e.mu.Unlock()
}

// SetMicActive opens or closes a microphone: the state of a LogicMeter
// block's channel, published to its subscribers like a gate opening.
func (e *Emulator) SetMicActive(tag string, channel int, active bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.blocks[tag]
	if b == nil || b.kind != LogicMeterBlock || channel < 1 || channel > len(b.state) {
		e.log.Warn("tesira emulator: SetMicActive on no logic meter channel", "tag", tag, "channel", channel)
		return
	}
	if b.state[channel-1] == active {
		return
	}
	b.state[channel-1] = active
	e.publishLocked(tag, "state", channel, formatBool(active))
}

// Value reads the emulated state, as the device would write it:
// ("Level1", "level", 1) → "-10.000000".
func (e *Emulator) Value(tag, attr string, channel int) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.blocks[tag]
	if b == nil || !b.has(attr) || channel < 1 || channel > len(b.mute) {
		return "", false
	}
	return b.value(attr, channel), true
}

// Subscribers counts the sessions' subscriptions to one attribute.
func (e *Emulator) Subscribers(tag, attr string, index int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for s := range e.sessions {
		for k := range s.subs {
			if k.tag == tag && k.attr == attr && k.index == index {
				n++
			}
		}
	}
	return n
}

func (e *Emulator) aliases() []string {
	tags := make([]string, 0, len(e.blocks))
	for t := range e.blocks {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return tags
}
