package accounts

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// flipByte flips the lowest bit of the first byte of the record at key, as
// a bad disk sector or memory error would: the JSON no longer decodes.
func flipByte(t *testing.T, db *kv.DB, bucket, key []byte) {
	t.Helper()
	err := db.Update(func(tx *kv.Tx) error {
		b := tx.Bucket(bucket)
		v := append([]byte(nil), b.Get(key)...)
		if len(v) == 0 {
			return errors.New("no such record")
		}
		v[0] ^= 1
		return b.Put(key, v)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// One damaged record is named by bucket and key where it is needed, left
// out of lists (logged once), and listed by DamagedRecords; the rest of
// the accounts keep working.
func TestDamagedRecordsAreNamedAndSkipped(t *testing.T) {
	var logged bytes.Buffer
	e := newEnv(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logged, nil)) })
	e.mustAddUser(t, "anna", RoleSecretary)
	e.mustAddUser(t, "bernd", RoleAdmin)
	tok, _, err := e.svc.CreateToken("bernd", "kalender")
	if err != nil {
		t.Fatal(err)
	}
	p, secret, _ := e.svc.CreatePairing("192.0.2.7:5000")
	door, _ := e.svc.ApprovePairing(p.Code, "ratssaal", "Tür Ratssaal", "bernd")
	e.svc.ClaimPairing(p.ID, secret)
	p2, secret2, _ := e.svc.CreatePairing("192.0.2.8:5000")
	hall, _ := e.svc.ApprovePairing(p2.Code, "foyer", "Tür Foyer", "bernd")
	e.svc.ClaimPairing(p2.ID, secret2)

	flipByte(t, e.db, bucketUsers, []byte("anna"))
	flipByte(t, e.db, bucketPanels, []byte(door.ID))

	// Lists skip the damaged record, twice, and log it once.
	for range 2 {
		users, err := e.svc.Users()
		if err != nil || len(users) != 1 || users[0].Name != "bernd" {
			t.Fatalf("users: %+v %v", users, err)
		}
		panels, err := e.svc.Panels()
		if err != nil || len(panels) != 1 || panels[0].ID != hall.ID {
			t.Fatalf("panels: %+v %v", panels, err)
		}
	}
	if n := strings.Count(logged.String(), "damaged record"); n != 2 {
		t.Fatalf("logged %d times, want once per record:\n%s", n, logged.String())
	}

	// The damaged account's own operations name the record.
	_, _, _, err = e.svc.Login("anna", goodPassword, "", "192.0.2.1")
	var dr *rooms.DamagedRecordError
	if !errors.As(err, &dr) || dr.Bucket != "users" || dr.Key != `"anna"` {
		t.Fatalf("login of the damaged account: %v", err)
	}
	if err := e.svc.SetPassword("anna", otherPassword); !errors.Is(err, rooms.ErrDamagedRecord) ||
		!strings.Contains(err.Error(), `bucket "users", key "anna"`) {
		t.Fatalf("passwd of the damaged account: %v", err)
	}
	// Everybody else is unaffected.
	e.mustLogin(t, "bernd", "")
	if u, err := e.svc.TokenUser(tok); err != nil || u.Name != "bernd" {
		t.Fatalf("token: %v", err)
	}

	found, err := e.svc.DamagedRecords()
	if err != nil || len(found) != 2 {
		t.Fatalf("damaged records: %v %v", found, err)
	}
	if found[0].Bucket != "users" || found[0].Key != `"anna"` || found[1].Bucket != "panel_devices" {
		t.Fatalf("damaged records: %v, %v", found[0], found[1])
	}
}
