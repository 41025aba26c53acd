package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/web"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
)

// adminOps are what the administration commands do. When the daemon runs
// they go through its control socket (it holds the database); when it is
// stopped, straight to the database.
type adminOps interface {
	AddUser(name string, role accounts.Role, password string) (accounts.User, error)
	SetPassword(name, password string) error
	SetDisabled(name string, disabled bool) error
	Users() ([]accounts.User, error)
	Backup(w io.Writer) error
	// DamagedRecords lists the records that no longer decode.
	DamagedRecords() ([]web.DamagedRecord, error)
	// AuthorizeGoTo saves a GoTo organizer's tokens from an OAuth code.
	AuthorizeGoTo(organizer, code string) error
	Close() error
}

// openAdmin picks the control socket if a daemon answers on it, the
// database otherwise.
func openAdmin(cfgPath string) (adminOps, error) {
	cfg, _, err := loadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	dir := cfg.Store.DataDir
	sc := &socketAdmin{client: controlClient(dir)}
	if resp, err := sc.client.Get("http://kogge/healthz"); err == nil {
		resp.Body.Close()
		return sc, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	dbPath := storeFile(cfg.Store)
	if err := checkIntegrity(dbPath, time.Second); err != nil {
		return nil, err
	}
	opts := store.Options{OpenTimeout: time.Second}
	var closeEtcd func()
	if cfg.Store.Clustered() {
		// The node's copy, brought up to date from the cluster and
		// writing through it: a backup is the cluster's store at one
		// revision, an account changed here is changed on every node.
		cli, err := etcdClient(cfg.Store.Etcd)
		if err != nil {
			return nil, fmt.Errorf("store.etcd: %w", err)
		}
		opts.Etcd, opts.EtcdPrefix, closeEtcd = cli, cfg.Store.Etcd.Prefix, func() { cli.Close() }
	}
	st, err := store.Open(dbPath, opts)
	if err != nil {
		if closeEtcd != nil {
			closeEtcd()
		}
		return nil, err
	}
	da := &directAdmin{store: st, cfg: cfg, closeEtcd: closeEtcd}
	da.acc, err = accounts.Open(st.DB(), accounts.Options{Audit: func(actor, action, detail string) {
		_ = st.AppendAudit(store.AuditEntry{Actor: actor, Action: action, Detail: detail})
	}})
	if err != nil {
		st.Close()
		return nil, err
	}
	return da, nil
}

type directAdmin struct {
	store *store.Store
	acc   *accounts.Service
	cfg   *config.Config
	// closeEtcd closes the cluster's client (nil on one machine).
	closeEtcd func()
}

func (d *directAdmin) AuthorizeGoTo(organizer, code string) error {
	if !d.cfg.Providers.Uses("gotomeeting") {
		return web.ErrNoGoTo
	}
	clients, _, err := backends.GoToClients(d.cfg.Providers.GoToMeeting, d.store)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return web.AuthorizeGoTo(clients)(ctx, organizer, code)
}

func (s *socketAdmin) AuthorizeGoTo(organizer, code string) error {
	return s.call("POST", "/api/v1/providers/gotomeeting/authorize", map[string]string{"organizer": organizer, "code": code}, nil)
}

func (d *directAdmin) AddUser(name string, role accounts.Role, password string) (accounts.User, error) {
	return d.acc.AddUser(name, role, password)
}
func (d *directAdmin) SetPassword(name, password string) error {
	return d.acc.SetPassword(name, password)
}
func (d *directAdmin) SetDisabled(name string, v bool) error { return d.acc.SetDisabled(name, v) }
func (d *directAdmin) Users() ([]accounts.User, error)       { return d.acc.Users() }
func (d *directAdmin) Backup(w io.Writer) error {
	_, err := d.store.WriteBackup(w)
	return err
}
func (d *directAdmin) DamagedRecords() ([]web.DamagedRecord, error) {
	return web.DamagedRecords(d.store.DamagedRecords, d.acc.DamagedRecords)
}
func (d *directAdmin) Close() error {
	err := d.store.Close()
	if d.closeEtcd != nil {
		d.closeEtcd()
	}
	return err
}

type socketAdmin struct{ client *http.Client }

func (s *socketAdmin) AddUser(name string, role accounts.Role, password string) (accounts.User, error) {
	var out struct {
		User accounts.User `json:"user"`
	}
	err := s.call("POST", "/api/v1/users", web.UserInput{Name: name, Role: role, Password: password}, &out)
	return out.User, err
}

func (s *socketAdmin) SetPassword(name, password string) error {
	return s.call("PATCH", "/api/v1/users/"+name, web.UserPatch{Password: &password}, nil)
}

func (s *socketAdmin) SetDisabled(name string, v bool) error {
	return s.call("PATCH", "/api/v1/users/"+name, web.UserPatch{Disabled: &v}, nil)
}

func (s *socketAdmin) Users() ([]accounts.User, error) {
	var out struct {
		Users []accounts.User `json:"users"`
	}
	err := s.call("GET", "/api/v1/users", nil, &out)
	return out.Users, err
}

func (s *socketAdmin) Backup(w io.Writer) error {
	resp, err := s.client.Get("http://kogge/api/v1/admin/backup")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return problemFrom(resp)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

func (s *socketAdmin) DamagedRecords() ([]web.DamagedRecord, error) {
	var out struct {
		Damaged []web.DamagedRecord `json:"damaged"`
	}
	err := s.call("GET", "/api/v1/admin/damaged-records", nil, &out)
	return out.Damaged, err
}

func (s *socketAdmin) Close() error { return nil }

func (s *socketAdmin) call(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://kogge"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	// The command line speaks English (its own messages do), so the
	// daemon's problems should too.
	req.Header.Set("Accept-Language", "en")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return problemFrom(resp)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func problemFrom(resp *http.Response) error {
	var p struct {
		Detail string `json:"detail"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&p); err != nil || p.Detail == "" {
		return fmt.Errorf("daemon answered %s", resp.Status)
	}
	return errors.New(p.Detail)
}
