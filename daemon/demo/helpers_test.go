package demo

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
)

// newData opens a fresh store and accounts in a temporary data directory
// with the demo configuration's rooms, as the daemon hands them to Data.
// Passwords are hashed cheaply: the tests make accounts, they do not
// measure hashing.
func newData(t *testing.T, log *slog.Logger) Data {
	t.Helper()
	cfg := config.Demo(t.TempDir())
	st, err := store.Open(filepath.Join(cfg.Store.DataDir, "kogge.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	accts, err := accounts.Open(st.DB(), accounts.Options{Argon2: accounts.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := cfg.RoomList()
	if err != nil {
		t.Fatal(err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return Data{Config: cfg, Store: st, Catalog: rooms.NewCatalog(rs), Accounts: accts, Log: log}
}
