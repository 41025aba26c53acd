// Package backends builds what the daemon drives from its configuration:
// the video providers ([providers]) as the broker sees them (each
// provider's pool and API client), and the rooms' AV devices. It does no
// I/O beyond reading secret files; the daemon runs them
// (daemon/providers.go, daemon/roomav.go), and the HTTP tests build the
// same.
package backends

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/usage"
)

// List turns [providers] into the broker's providers, in order.
func List(p config.Providers) []broker.Provider {
	var out []broker.Provider
	for _, name := range p.Order {
		bp := broker.Provider{Name: name, ProvisionLead: p.ProvisionLead.Duration,
			FailoverAttempts: p.FailoverAttempts, FailoverAfter: p.FailoverAfter.Duration}
		var l config.ProviderLimits
		switch name {
		case "builtin":
			bp.Kind, l = broker.KindBuiltin, p.Builtin.ProviderLimits
		case "gotomeeting":
			bp.Kind, l = broker.KindGoToMeeting, p.GoToMeeting.ProviderLimits
			bp.Licences = p.GoToMeeting.Organizers
		case "pexip":
			bp.Kind, l = broker.KindPexip, p.Pexip.ProviderLimits
			if p.Pexip.APIURL == "" { // DFNconf: the static rooms are the pool
				for _, r := range p.Pexip.StaticRooms {
					bp.Licences = append(bp.Licences, r.Alias)
				}
			}
		}
		bp.MaxParticipants, bp.ConfidentialOK, bp.DialIn, bp.MaxDuration = l.MaxParticipants, l.ConfidentialOK, l.DialIn, l.MaxDuration.Duration
		out = append(out, bp)
	}
	return out
}

// ReportProviders are the providers as the utilisation report sees them
// (rooms/usage): in order, with their pools and yearly costs.
func ReportProviders(p config.Providers) []usage.Provider {
	var out []usage.Provider
	for _, bp := range List(p) {
		var cost int
		switch bp.Name {
		case "builtin":
			cost = p.Builtin.YearlyCost
		case "gotomeeting":
			cost = p.GoToMeeting.YearlyCost
		case "pexip":
			cost = p.Pexip.YearlyCost
		}
		out = append(out, usage.Provider{Name: bp.Name, Pool: len(bp.Licences), MaxParticipants: bp.MaxParticipants,
			ConfidentialOK: bp.ConfidentialOK && bp.Kind != broker.KindGoToMeeting, YearlyCost: float64(cost)})
	}
	return out
}

// ReadSecret reads a one-line secret file.
func ReadSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// GoToClients builds one client per organizer, sharing GoTo's rate limit
// and the encrypted token store.
func GoToClients(g config.GoToProvider, st *store.Store) (map[string]*gotomeeting.Client, *broker.SecretTokenStore, error) {
	oauth := gotomeeting.OAuthConfig{ClientID: g.ClientID, RedirectURI: g.RedirectURI, AuthURL: g.AuthURL, TokenURL: g.TokenURL}
	secret, err := ReadSecret(g.ClientSecretFile)
	if err != nil {
		return nil, nil, fmt.Errorf("gotomeeting client secret: %w", err)
	}
	oauth.ClientSecret = secret
	keyHex, err := ReadSecret(g.CredentialsKeyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("gotomeeting credentials key: %w", err)
	}
	key, err := hex.DecodeString(keyHex)
	if err != nil {
		return nil, nil, fmt.Errorf("gotomeeting credentials key: %w", err)
	}
	tokens, err := broker.NewSecretTokenStore(st, key)
	if err != nil {
		return nil, nil, err
	}
	cfg := gotomeeting.Config{BaseURL: g.APIURL, OAuth: oauth, Store: tokens, Limiter: gotomeeting.NewLimiter()}
	clients := map[string]*gotomeeting.Client{}
	for _, o := range g.Organizers {
		clients[o] = gotomeeting.New(cfg, o)
	}
	return clients, tokens, nil
}

// Build builds each configured provider's API client. authorized, if
// set, may save GoTo tokens first (the demo's emulator issues them).
func Build(p config.Providers, st *store.Store, authorize func(gotomeeting.TokenStore) error) (map[string]broker.Backend, Clients, error) {
	out := map[string]broker.Backend{}
	var cs Clients
	for _, name := range p.Order {
		switch name {
		case "builtin":
			out[name] = broker.NewBuiltin()
		case "gotomeeting":
			clients, tokens, err := GoToClients(p.GoToMeeting, st)
			if err != nil {
				return nil, cs, err
			}
			if authorize != nil {
				if err := authorize(tokens); err != nil {
					return nil, cs, err
				}
			}
			out[name], cs.GoTo = broker.NewGoTo(clients), clients
		case "pexip":
			x := p.Pexip
			if x.APIURL == "" {
				var rs []pexip.StaticRoom
				for _, r := range x.StaticRooms {
					rs = append(rs, pexip.StaticRoom{Alias: r.Alias, HostPIN: r.HostPIN, GuestPIN: r.GuestPIN, JoinURL: r.JoinURL, ParticipantLimit: r.ParticipantLimit})
				}
				out[name] = broker.NewPexipStatic(rs)
				continue
			}
			pw, err := ReadSecret(x.PasswordFile)
			if err != nil {
				return nil, cs, fmt.Errorf("pexip password: %w", err)
			}
			cs.Pexip = pexip.New(x.APIURL, x.Username, pw)
			out[name] = broker.NewPexipVMR(cs.Pexip, x.JoinURLBase)
		}
	}
	return out, cs, nil
}

// Clients are the API clients behind the backends that the daemon
// uses itself: GoTo's for authorising organizers, Pexip's for its licence
// usage.
type Clients struct {
	GoTo  map[string]*gotomeeting.Client
	Pexip *pexip.Client // nil without a Pexip management API
}

// ExternalJoin says where a booking's meeting lives when the broker handed
// it to an outside provider: its join (or host) URL once provisioned;
// pending while the provider is still being asked.
func ExternalJoin(st *store.Store) func(b rooms.Booking, host bool) (url string, pending bool) {
	return func(b rooms.Booking, host bool) (string, bool) {
		a, ok, err := st.Allocation(b.ID)
		if err != nil || !ok || a.Provider == string(broker.KindBuiltin) || a.State == store.AllocReleased {
			return "", false
		}
		if a.State != store.AllocProvisioned {
			return "", true
		}
		if host && a.HostURL != "" {
			return a.HostURL, false
		}
		return a.JoinURL, false
	}
}
