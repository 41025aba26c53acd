package broker

import (
	"bytes"
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/pexip"
)

func TestReconcile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{gotoP("org1", "org2"), pexipP()}, nil, nil)
		bk := e.create(hybrid("Rat", 24*time.Hour, 20))
		e.run()
		e.waitFor("provisioned", time.Minute, e.provisioned(bk.ID))
		ctx := context.Background()
		c1, c2 := gotomeeting.New(e.gcfg, "org1"), gotomeeting.New(e.gcfg, "org2")
		// An orphan of ours, and a meeting somebody made by hand.
		start := time.Now().Add(48 * time.Hour)
		req := gotomeeting.MeetingRequest{Subject: "x", Start: start, End: start.Add(time.Hour)}
		if _, err := c2.CreateMeeting(ctx, "01JQ0000000000000000000000-3", req); err != nil {
			t.Fatal(err)
		}
		if _, err := c2.CreateMeeting(ctx, "handmade", req); err != nil {
			t.Fatal(err)
		}
		// The booking's own meeting vanishes.
		a := e.alloc(bk.ID)
		id, _ := parseMeetingID(a.ExternalID)
		if err := c1.DeleteMeeting(ctx, id); err != nil {
			t.Fatal(err)
		}
		reps, err := e.br.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		g := reps[0]
		if g.Provider != "gotomeeting" || g.Listed != 2 || g.OrphansDeleted != 1 || g.Recreated != 1 || g.Errors != 0 {
			t.Fatalf("report %+v", g)
		}
		if e.gemu.MeetingCount("org2") != 1 {
			t.Fatalf("org2 has %d meetings, want the handmade one", e.gemu.MeetingCount("org2"))
		}
		e.waitFor("recreated", time.Minute, e.provisioned(bk.ID))
		if b := e.alloc(bk.ID); b.ExternalID == a.ExternalID || b.Ref != a.Ref || e.gemu.MeetingCount("org1") != 1 {
			t.Fatalf("before %+v after %+v", a, b)
		}
		// A second run finds nothing to do.
		reps, _ = e.br.Reconcile(ctx)
		if g := reps[0]; g.OrphansDeleted+g.Recreated+g.Drift+g.Errors != 0 {
			t.Fatalf("second run %+v", g)
		}
	})
}

func TestPexipStatic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rooms := []pexip.StaticRoom{
			{Alias: "97912345", JoinURL: "https://conf.dfn.de/webapp/conference/97912345", ParticipantLimit: 20},
			{Alias: "97912346", JoinURL: "https://conf.dfn.de/webapp/conference/97912346", ParticipantLimit: 20},
		}
		dfn := Provider{Name: "dfn", Kind: KindPexip, MaxParticipants: 20, ConfidentialOK: true, Licences: []string{"97912345", "97912346"}}
		e := newEnv(t, []Provider{dfn}, map[string]Backend{"dfn": NewPexipStatic(rooms)}, nil)
		a := e.create(hybrid("A", 24*time.Hour, 10))
		b := hybrid("B", 24*time.Hour, 10)
		b.Room = "saal2"
		b = e.create(b)
		e.run()
		e.waitFor("provisioned", time.Minute, func() bool { return e.provisioned(a.ID)() && e.provisioned(b.ID)() })
		if x := e.alloc(b.ID); x.Licence != "97912346" || x.JoinURL != rooms[1].JoinURL {
			t.Fatalf("allocation %+v", x)
		}
		ms, _ := e.br.backends["dfn"].List(context.Background())
		if len(ms) != 2 {
			t.Fatalf("leases %+v", ms)
		}
		if _, err := e.st.Cancel(a.ID, 0, "t"); err != nil {
			t.Fatal(err)
		}
		e.br.Kick(a.ID)
		e.waitFor("lease gone", time.Minute, func() bool {
			ms, _ := e.br.backends["dfn"].List(context.Background())
			return len(ms) == 1 && len(e.alloc(a.ID).Cleanup) == 0
		})
	})
}

type memSecrets map[string][]byte

func (m memSecrets) PutSecret(n string, v []byte) error { m[n] = bytes.Clone(v); return nil }
func (m memSecrets) Secret(n string) ([]byte, error)    { return m[n], nil }

// Tokens live sealed in the store; an access token GoTo stopped taking is
// refreshed and the rotated refresh token saved.
func TestSecretTokenStore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		key := bytes.Repeat([]byte{7}, 32)
		rotateRefresh = true
		defer func() { rotateRefresh = false }()
		var ts *SecretTokenStore
		e := newEnv(t, []Provider{gotoP("org1")}, nil, func(c *gotomeeting.Config) {
			// The env's store is not open yet: seal into memory first.
			var err error
			ts, err = newSecretTokenStore(memSecrets{}, key)
			if err != nil {
				t.Fatal(err)
			}
			c.Store = ts
		})
		// Now over the real store.
		real, err := NewSecretTokenStore(e.st, key)
		if err != nil {
			t.Fatal(err)
		}
		first := e.gemu.IssueToken("org1")
		if err := real.Save("org1", first); err != nil {
			t.Fatal(err)
		}
		got, err := real.Load("org1")
		if err != nil || got.RefreshToken != first.RefreshToken {
			t.Fatalf("round trip %+v %v", got, err)
		}
		raw, _ := e.st.Secret("goto/org1")
		if bytes.Contains(raw, []byte(first.RefreshToken)) {
			t.Fatal("refresh token stored in clear")
		}
		// Moved to another name, or read with another key: refused.
		_ = e.st.PutSecret("goto/org2", raw)
		if _, err := real.Load("org2"); err == nil {
			t.Fatal("a sealed token opened under another name")
		}
		other, _ := NewSecretTokenStore(e.st, bytes.Repeat([]byte{8}, 32))
		if _, err := other.Load("org1"); err == nil {
			t.Fatal("opened with another key")
		}
		if _, err := NewSecretTokenStore(e.st, key[:16]); err == nil {
			t.Fatal("short key accepted")
		}
		// Refresh through the client: GoTo rotates; the newest is saved.
		cfg := e.gcfg
		cfg.Store = real
		c := gotomeeting.New(cfg, "org1")
		e.gemu.RevokeAccessTokens()
		if err := c.RefreshNow(context.Background()); err != nil {
			t.Fatal(err)
		}
		after, err := real.Load("org1")
		if err != nil || after.AccessToken == first.AccessToken || after.RefreshToken == first.RefreshToken {
			t.Fatalf("after refresh %+v %v", after, err)
		}
		if _, err := c.UpcomingMeetings(context.Background()); err != nil {
			t.Fatalf("api with refreshed token: %v", err)
		}
		// A fresh client (a restart) refreshes with the saved token.
		e.gemu.RevokeAccessTokens()
		if err := gotomeeting.New(cfg, "org1").RefreshNow(context.Background()); err != nil {
			t.Fatalf("refresh with the saved token: %v", err)
		}
	})
}
