package demo

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
	goToClient = "kogge-demo"
	goToSecret = "kogge-demo-secret"
	pexipUser  = "kogge"
	pexipPass  = "kogge-demo"
)

// PexipJoinURL is where the join links of the meetings the Pexip emulator
// holds begin.
const PexipJoinURL = "https://meet.pexip.demo.invalid/webapp/#/?conference="

// Organizers are the GoToMeeting organizers of the demo; Providers
// authorises them all.
var Organizers = []string{"rat1@stadt.example", "rat2@stadt.example"}

// Providers are the GoToMeeting and Pexip emulators on loopback,
// configured after our own SFU: a hybrid meeting too big for the SFU goes
// to Pexip, and GoTo takes the rest. The GoTo organizers are authorised
// against the emulator at start (Authorize).
type Providers struct {
	// GoTo is the GoToMeeting emulator (tests issue OAuth codes from it).
	GoTo   *gotomeeting.Emulator
	pexip  *pexip.Emulator
	server []*http.Server
}

// StartProviders starts the provider emulators and configures both in cfg,
// with their secrets in files in the data directory (written once) and a
// job that reconciles the meetings with them.
func StartProviders(cfg *config.Config) (*Providers, error) {
	dp := &Providers{
		GoTo:  gotomeeting.NewEmulator(gotomeeting.EmulatorOptions{ClientID: goToClient, ClientSecret: goToSecret}),
		pexip: pexip.NewEmulator(pexipUser, pexipPass),
	}
	var urls []string
	for _, h := range []http.Handler{dp.GoTo, dp.pexip} {
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
	files := map[string]string{"demo-goto-client.secret": goToSecret, "demo-pexip.secret": pexipPass}
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
	p.GoToMeeting.Organizers = Organizers
	p.GoToMeeting.ClientID = goToClient
	p.GoToMeeting.ClientSecretFile = filepath.Join(dir, "demo-goto-client.secret")
	p.GoToMeeting.CredentialsKeyFile = filepath.Join(dir, "demo-goto-credentials.key")
	p.GoToMeeting.RedirectURI = "http://127.0.0.1:8080/oauth/goto"
	p.GoToMeeting.APIURL = urls[0] + "/G2M/rest"
	p.GoToMeeting.AuthURL, p.GoToMeeting.TokenURL = urls[0]+"/oauth/authorize", urls[0]+"/oauth/token"
	p.GoToMeeting.DialIn = true
	p.GoToMeeting.YearlyCost = 240 // two licences at the price of 100 for 12,000 EUR
	p.Pexip.APIURL, p.Pexip.Username = urls[1], pexipUser
	p.Pexip.PasswordFile = filepath.Join(dir, "demo-pexip.secret")
	p.Pexip.JoinURLBase = PexipJoinURL
	p.Pexip.DialIn = true
	cfg.Jobs = append(cfg.Jobs, config.Job{Name: "reconcile-providers", Schedule: "*/30 * * * *", Action: "reconcile", Zone: "Europe/Berlin", Keep: 1})
	return dp, nil
}

// Authorize gives every demo organizer a token from the emulator, as
// `kogge gotomeeting authorize` would after the browser round trip; save
// stores it where the daemon's GoTo clients read it.
func (dp *Providers) Authorize(save func(organizer string, t gotomeeting.Token) error) error {
	for _, o := range Organizers {
		if err := save(o, dp.GoTo.IssueToken(o)); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the emulators' HTTP servers.
func (dp *Providers) Close() error {
	for _, s := range dp.server {
		s.Close()
	}
	return nil
}

// PexipCreated is how many conferences the Pexip emulator created per
// name (deleted ones included).
func (dp *Providers) PexipCreated() map[string]int { return dp.pexip.Created() }

// SetOutage makes one emulated provider ("gotomeeting" or "pexip") answer
// every request with 503 until cleared: a provider that died, for tests
// and for trying failover in the demo.
func (dp *Providers) SetOutage(provider string, down bool) {
	switch provider {
	case "gotomeeting":
		dp.GoTo.SetOutage(down)
	case "pexip":
		dp.pexip.SetFaults(pexip.Faults{Down: down})
	}
}
