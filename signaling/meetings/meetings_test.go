package meetings

import (
	"crypto/sha256"
	"log/slog"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
)

func testOptions(t *testing.T) Options {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "kogge.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	j, err := admission.New(admission.Options{KeyFile: filepath.Join(dir, "join.keys"), PublicURL: "http://127.0.0.1:8080", Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return Options{ListenIP: "127.0.0.1", PublicURL: "http://127.0.0.1:8080", Store: st, Joins: j}
}

// A taken media port stops a real installation (its firewall rule names
// that port) but not the demo, which takes a free one.
func TestTakenPortMovesOnlyTheDemo(t *testing.T) {
	busy, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	o := testOptions(t)
	o.UDPPort = busy.LocalAddr().(*net.UDPAddr).Port
	if mt, err := New(o); err == nil {
		mt.Close()
		t.Fatal("a real installation moved off its taken port")
	} else if !strings.Contains(err.Error(), "webrtc") {
		t.Fatalf("error does not say it is about webrtc: %v", err)
	}
	o.Demo = true
	mt, err := New(o)
	if err != nil {
		t.Fatalf("demo on a taken port: %v", err)
	}
	mt.Close()
}

// The gauges and counters are there from the start, at zero.
func TestCollectorsStartAtZero(t *testing.T) {
	mt, err := New(testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer mt.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(mt.Collectors()...)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if m.GetGauge().GetValue() != 0 || m.GetCounter().GetValue() != 0 {
				t.Errorf("%s is not zero", f.GetName())
			}
		}
		got[f.GetName()] = true
	}
	for _, name := range []string{"kogge_meetings_open", "kogge_meeting_participants", "kogge_sfu_forwarded_packets_total", "kogge_sfu_forwarded_bytes_total"} {
		if !got[name] {
			t.Errorf("no %s", name)
		}
	}
}

// A memo goes to the store and comes back as it was (the secret's hash
// included), and is gone once forgotten.
func TestStoreMemoryRoundTrip(t *testing.T) {
	o := testOptions(t)
	mem := storeMemory{st: o.Store, log: slog.New(slog.DiscardHandler)}
	at := time.Date(2026, 12, 1, 15, 30, 0, 0, time.UTC)
	const secret = "KW7ZQ2M4RESUMESECRET"
	hash := sha256.Sum256([]byte(secret))
	memo := signaling.MeetingMemo{Locked: true, Participants: []signaling.ParticipantMemo{{
		SecretHash: hash[:], ID: "P1", Name: "Gast", Link: "guest:1", Admitted: true,
		Hand: true, HandAt: at, Allowed: true, Muted: true, Away: at.Add(time.Minute)}}}
	if _, ok := mem.Load("b1"); ok {
		t.Fatal("a memo before any was saved")
	}
	mem.Save("b1", memo)
	got, ok := mem.Load("b1")
	if !ok || !reflect.DeepEqual(got, memo) {
		t.Fatalf("loaded %+v, want %+v", got, memo)
	}
	raw, _ := o.Store.MeetingMemo("b1")
	if strings.Contains(string(raw), secret) {
		t.Fatalf("stored memo %s", raw)
	}
	mem.Forget("b1")
	if _, ok := mem.Load("b1"); ok {
		t.Fatal("a forgotten memo came back")
	}
}
