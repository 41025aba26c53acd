package oparl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// StateStore keeps an import's state between runs and across restarts:
// opaque values by key, per import (rooms/store's import bucket).
type StateStore interface {
	ImportGet(imp, key string) ([]byte, error)
	// ImportPut writes all keys in one transaction; an empty value deletes.
	ImportPut(imp string, kv map[string][]byte) error
	ImportScan(imp, prefix string, fn func(key string, value []byte) error) error
}

// State keys of the council import (StateName is its bucket).
const (
	StateName     = "oparl"
	keyCursor     = "cursor"
	prefixRefused = "refused/"
	prefixAgenda  = "agenda/"
)

// AgendaKeep is how long an agenda is kept after its meeting ended.
const AgendaKeep = 30 * 24 * time.Hour

// cursor is the stored state of the import as a whole.
type cursor struct {
	// Since is where the next delta starts. It belongs to Mapping: a
	// changed mapping (a new location rule, another body) starts again
	// with a full sync, so that meetings passed over as unmapped are read
	// once more.
	Since   time.Time `json:"since"`
	Mapping string    `json:"mapping"`
	Last    *Report   `json:"last,omitempty"`
	Error   string    `json:"error,omitempty"`
}

// storedAgenda is a meeting's agenda with the end of its booking, after
// which it is pruned.
type storedAgenda struct {
	Items []AgendaItem `json:"items"`
	Until time.Time    `json:"until"`
}

// Importer keeps the council information system's meetings booked, one
// Sync at a time. Its state (where the next delta starts, the meetings
// it refused and in which version, each meeting's agenda, the last
// report) is in a StateStore, so a restart neither reads everything again
// nor serves empty agendas until the first import is through.
type Importer struct {
	client  *Client
	mapping Mapping
	store   Store
	state   StateStore
	log     *slog.Logger
	now     func() time.Time

	run sync.Mutex // one sync at a time: cron and a manual trigger must not race
}

// ImporterOption tunes NewImporter.
type ImporterOption func(*Importer)

// WithState keeps the import's state in st (default: in memory, lost on
// restart).
func WithState(st StateStore) ImporterOption { return func(o *Importer) { o.state = st } }

// WithLogger logs one line per import, and one per refused meeting at debug level.
func WithLogger(l *slog.Logger) ImporterOption { return func(o *Importer) { o.log = l } }

// WithNow sets the importer's clock (default time.Now).
func WithNow(now func() time.Time) ImporterOption { return func(o *Importer) { o.now = now } }

// NewImporter imports from the OParl system object at endpoint (pages on
// otherHosts may be followed too) into st as m says. st is the booking
// service's view for imports (rooms/bookings.Imports): it applies the
// rooms' rules to every meeting.
func NewImporter(endpoint string, otherHosts []string, m Mapping, st Store, opts ...ImporterOption) (*Importer, error) {
	c, err := NewClient(endpoint, Options{HTTPClient: &http.Client{Timeout: 30 * time.Second}, UserAgent: "Kogge", OtherHosts: otherHosts})
	if err != nil {
		return nil, err
	}
	o := &Importer{client: c, mapping: m, store: st, log: slog.New(slog.DiscardHandler), now: time.Now}
	for _, opt := range opts {
		opt(o)
	}
	if o.state == nil {
		o.state = newMemState()
	}
	return o, nil
}

// mappingID fingerprints the mapping for cursor.Mapping.
func mappingID(m Mapping) string {
	b, _ := json.Marshal(m)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func (o *Importer) cursor() (cursor, error) {
	var c cursor
	raw, err := o.state.ImportGet(StateName, keyCursor)
	if err != nil || raw == nil {
		return c, err
	}
	return c, json.Unmarshal(raw, &c)
}

// Sync runs one import: a delta from where the last good one ended (a
// full one at first, and after the mapping changed), with the refused
// meetings remembered from before.
func (o *Importer) Sync(ctx context.Context) (Report, error) {
	o.run.Lock()
	defer o.run.Unlock()
	cur, err := o.cursor()
	if err != nil {
		return Report{}, fmt.Errorf("oparl: reading the import's state: %w", err)
	}
	since, mid := cur.Since, mappingID(o.mapping)
	if cur.Mapping != mid {
		since = time.Time{}
	}
	known := map[string]Refusal{}
	err = o.state.ImportScan(StateName, prefixRefused, func(_ string, v []byte) error {
		var r Refusal
		if json.Unmarshal(v, &r) == nil && r.Meeting.ID != "" {
			known[r.Meeting.ID] = r
		}
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("oparl: reading the refused meetings: %w", err)
	}
	agendas := map[string][]AgendaItem{}
	rep, err := Sync(ctx, o.client, o.mapping, o.store, since,
		WithClock(o.now), WithRefused(known), WithLog(o.log),
		WithAgenda(func(id string, items []AgendaItem) { agendas[id] = items }))

	kv := map[string][]byte{}
	next := cursor{Since: cur.Since, Mapping: cur.Mapping, Last: &rep}
	if err != nil {
		next.Error = err.Error()
		o.log.Warn("council import failed", "err", err, "summary", rep.Summary())
	} else {
		next.Since, next.Mapping = rep.NextSince, mid
		for id := range known {
			if _, still := rep.Outstanding[id]; !still {
				kv[prefixRefused+id] = nil
			}
		}
		for id, r := range rep.Outstanding {
			kv[prefixRefused+id], _ = json.Marshal(r)
		}
		o.log.Info("council import", "summary", rep.Summary(), "since", since, "next_since", rep.NextSince)
	}
	// Agendas read before an error are as good as after a success.
	for id, items := range agendas {
		if b, found, ferr := o.store.FindByExternal(ExternalRef(id)); ferr == nil && found {
			kv[prefixAgenda+id], _ = json.Marshal(storedAgenda{Items: items, Until: b.End})
		}
	}
	o.pruneAgendas(kv)
	kv[keyCursor], _ = json.Marshal(next)
	if serr := o.state.ImportPut(StateName, kv); serr != nil {
		o.log.Error("council import: storing its state", "err", serr)
		if err == nil {
			err = fmt.Errorf("oparl: storing the import's state: %w", serr)
		}
	}
	return rep, err
}

// pruneAgendas adds the deletion of agendas long over to kv.
func (o *Importer) pruneAgendas(kv map[string][]byte) {
	cutoff := o.now().Add(-AgendaKeep)
	_ = o.state.ImportScan(StateName, prefixAgenda, func(k string, v []byte) error {
		var a storedAgenda
		if _, touched := kv[k]; !touched && (json.Unmarshal(v, &a) != nil || a.Until.Before(cutoff)) {
			kv[k] = nil
		}
		return nil
	})
}

// AgendaFor returns the agenda of the meeting a booking mirrors.
func (o *Importer) AgendaFor(b rooms.Booking) ([]AgendaItem, bool) {
	id, ok := strings.CutPrefix(b.External, ExternalRef(""))
	if !ok {
		return nil, false
	}
	raw, err := o.state.ImportGet(StateName, prefixAgenda+id)
	if err != nil || raw == nil {
		return nil, false
	}
	var a storedAgenda
	if json.Unmarshal(raw, &a) != nil {
		return nil, false
	}
	return a.Items, true
}

// Status is the last import's report, its error, where the next delta
// starts and the meetings refused and not yet booked
// (GET /api/v1/integrations/oparl).
func (o *Importer) Status() map[string]any {
	cur, err := o.cursor()
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	refused := []string{}
	_ = o.state.ImportScan(StateName, prefixRefused, func(_ string, v []byte) error {
		var r Refusal
		if json.Unmarshal(v, &r) == nil {
			refused = append(refused, r.Problem)
		}
		return nil
	})
	return map[string]any{"last": cur.Last, "error": cur.Error, "next_since": cur.Since, "refused": refused}
}

// Summary is the report in one line, for the job history and the log.
func (r Report) Summary() string {
	return fmt.Sprintf("%d meetings read: %d created, %d updated, %d cancelled, %d unchanged, %d unmapped, %d refused (%d of them before), %d with an assumed end, %d problems",
		r.Fetched, r.Created, r.Updated, r.Cancelled, r.Unchanged, r.Unmapped, r.Refused, r.StillRefused, len(r.AssumedEnds), len(r.Problems))
}

// memState is a StateStore in memory, for an importer without a store.
type memState struct {
	mu sync.Mutex
	kv map[string][]byte
}

func newMemState() *memState { return &memState{kv: map[string][]byte{}} }

func (m *memState) ImportGet(imp, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.kv[imp+"\x00"+key], nil
}

func (m *memState) ImportPut(imp string, kv map[string][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range kv {
		if len(v) == 0 {
			delete(m.kv, imp+"\x00"+k)
		} else {
			m.kv[imp+"\x00"+k] = v
		}
	}
	return nil
}

func (m *memState) ImportScan(imp, prefix string, fn func(key string, value []byte) error) error {
	m.mu.Lock()
	var keys []string
	for k := range m.kv {
		if rest, ok := strings.CutPrefix(k, imp+"\x00"); ok && strings.HasPrefix(rest, prefix) {
			keys = append(keys, rest)
		}
	}
	vals := make(map[string][]byte, len(keys))
	for _, k := range keys {
		vals[k] = m.kv[imp+"\x00"+k]
	}
	m.mu.Unlock()
	slices.Sort(keys)
	for _, k := range keys {
		if err := fn(k, vals[k]); err != nil {
			return err
		}
	}
	return nil
}
