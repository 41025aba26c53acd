package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/pexip"
)

// Demo provider credentials: the emulators accept these and nothing else.
const (
	demoGoToClient   = "kogge-demo"
	demoGoToSecret   = "kogge-demo-secret"
	demoPexipUser    = "kogge"
	demoPexipPass    = "kogge-demo"
	demoPexipJoinURL = "https://meet.pexip.demo.invalid/webapp/#/?conference="
)

var demoOrganizers = []string{"rat1@stadt.example", "rat2@stadt.example"}

// demoProviders starts the GoToMeeting and Pexip emulators on loopback and
// configures both after our own SFU: a hybrid meeting too big for the SFU
// goes to Pexip, and GoTo takes the rest. The GoTo organizers are
// authorised against the emulator at start (demoAuthorize).
type demoProviders struct {
	goTo   *gotomeeting.Emulator
	pexip  *pexip.Emulator
	server []*http.Server
}

func startDemoProviders(cfg *config.Config) (*demoProviders, error) {
	dp := &demoProviders{
		goTo:  gotomeeting.NewEmulator(gotomeeting.EmulatorOptions{ClientID: demoGoToClient, ClientSecret: demoGoToSecret}),
		pexip: pexip.NewEmulator(demoPexipUser, demoPexipPass),
	}
	var urls []string
	for _, h := range []http.Handler{dp.goTo, dp.pexip} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			dp.Close()
			return nil, err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		dp.server = append(dp.server, srv)
		urls = append(urls, "http://"+ln.Addr().String())
	}
	dir := cfg.Store.DataDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		dp.Close()
		return nil, err
	}
	files := map[string]string{"demo-goto-client.secret": demoGoToSecret, "demo-pexip.secret": demoPexipPass}
	key := make([]byte, 32)
	rand.Read(key)
	files["demo-goto-credentials.key"] = hex.EncodeToString(key) // kept if present: the tokens stay readable
	for name, content := range files {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
				dp.Close()
				return nil, err
			}
		}
	}
	p := &cfg.Providers
	p.Order = []string{"builtin", "pexip", "gotomeeting"}
	p.GoToMeeting.Organizers = demoOrganizers
	p.GoToMeeting.ClientID = demoGoToClient
	p.GoToMeeting.ClientSecretFile = filepath.Join(dir, "demo-goto-client.secret")
	p.GoToMeeting.CredentialsKeyFile = filepath.Join(dir, "demo-goto-credentials.key")
	p.GoToMeeting.RedirectURI = "http://127.0.0.1:8080/oauth/goto"
	p.GoToMeeting.APIURL = urls[0] + "/G2M/rest"
	p.GoToMeeting.AuthURL, p.GoToMeeting.TokenURL = urls[0]+"/oauth/authorize", urls[0]+"/oauth/token"
	p.GoToMeeting.DialIn = true
	p.Pexip.APIURL, p.Pexip.Username = urls[1], demoPexipUser
	p.Pexip.PasswordFile = filepath.Join(dir, "demo-pexip.secret")
	p.Pexip.JoinURLBase = demoPexipJoinURL
	p.Pexip.DialIn = true
	cfg.Jobs = append(cfg.Jobs, config.Job{Name: "reconcile-providers", Schedule: "*/30 * * * *", Action: "reconcile", Zone: "Europe/Berlin", Keep: 1})
	return dp, nil
}

// demoAuthorize gives every demo organizer a token from the emulator, as
// `kogge gotomeeting authorize` would after the browser round trip.
func (dp *demoProviders) demoAuthorize(save func(organizer string, t gotomeeting.Token) error) error {
	for _, o := range demoOrganizers {
		if err := save(o, dp.goTo.IssueToken(o)); err != nil {
			return err
		}
	}
	return nil
}

func (dp *demoProviders) Close() error {
	for _, s := range dp.server {
		s.Close()
	}
	return nil
}
