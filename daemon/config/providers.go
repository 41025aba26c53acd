package config

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// Providers is the [providers] table: who hosts a hybrid booking's
// meeting. Order is the preference; the broker takes the first provider
// that satisfies confidentiality, capacity, dial-in, duration and has a
// free licence over the booking's whole interval.
type Providers struct {
	// Order names the providers in preference ("builtin", "pexip",
	// "gotomeeting"); default ["builtin"].
	Order []string `toml:"order"`
	// Defaults for every provider's provisioning and failover.
	ProvisionLead    Duration `toml:"provision_lead"`
	FailoverAttempts int      `toml:"failover_attempts"`
	FailoverAfter    Duration `toml:"failover_after"`
	// HealthCheckEvery is how often each provider is probed; two failed
	// probes in a row mark it down (default 15s).
	HealthCheckEvery Duration `toml:"health_check_every"`

	Builtin     BuiltinProvider `toml:"builtin"`
	GoToMeeting GoToProvider    `toml:"gotomeeting"`
	Pexip       PexipProvider   `toml:"pexip"`
}

// ProviderLimits are what every provider declares.
type ProviderLimits struct {
	// MaxParticipants per meeting, the room endpoint included.
	MaxParticipants int `toml:"max_participants"`
	// ConfidentialOK lets interviews and confidential meetings here.
	ConfidentialOK bool `toml:"confidential_ok"`
	// DialIn: the provider offers telephone dial-in.
	DialIn bool `toml:"dialin"`
	// MaxDuration of one meeting; 0 = none.
	MaxDuration Duration `toml:"max_duration"`
	// YearlyCost is what the provider's licences cost a year (EUR, e.g.
	// 12000 for 100 GoToMeeting licences, whole euros); the utilisation report states
	// the cost per used licence hour with it. 0: not stated.
	YearlyCost int `toml:"yearly_cost"`
}

// BuiltinProvider is our own SFU. Its participant maximum defaults to
// [webrtc] participant_limit; it is the only provider confidential
// meetings may use by default.
type BuiltinProvider struct {
	ProviderLimits
}

// GoToProvider is GoToMeeting: one licence per organizer account, each
// authorised once (`kogge gotomeeting authorize --organizer NAME`).
type GoToProvider struct {
	ProviderLimits
	Organizers       []string `toml:"organizers"`
	ClientID         string   `toml:"client_id"`
	ClientSecretFile string   `toml:"client_secret_file"`
	// RedirectURI is registered with the OAuth client; the organizer's
	// browser lands there with the code to paste into the CLI.
	RedirectURI string `toml:"redirect_uri"`
	// CredentialsKeyFile holds the 32-byte key (64 hex characters) that
	// encrypts the organizers' refresh tokens in the database.
	CredentialsKeyFile string `toml:"credentials_key_file"`
	// APIURL, AuthURL and TokenURL override GoTo's endpoints (tests, demo).
	APIURL   string `toml:"api_url"`
	AuthURL  string `toml:"auth_url"`
	TokenURL string `toml:"token_url"`
}

// PexipProvider is a Pexip Infinity (a VMR per meeting through the
// management API) or DFNconf (no API: a pool of pre-created rooms).
type PexipProvider struct {
	ProviderLimits
	APIURL       string `toml:"api_url"`
	Username     string `toml:"username"`
	PasswordFile string `toml:"password_file"`
	// JoinURLBase + alias is the browser join link of a VMR.
	JoinURLBase string            `toml:"join_url_base"`
	StaticRooms []PexipStaticRoom `toml:"static_rooms"`
}

// PexipStaticRoom is one pre-created DFNconf room, handed out like a
// licence.
type PexipStaticRoom struct {
	Alias            string `toml:"alias"`
	HostPIN          string `toml:"host_pin"`
	GuestPIN         string `toml:"guest_pin"`
	JoinURL          string `toml:"join_url"`
	ParticipantLimit int    `toml:"participant_limit"`
}

// Provider defaults.
const (
	DefaultFailoverAttempts = 3
	DefaultFailoverAfter    = 10 * time.Minute
	DefaultHealthCheckEvery = 15 * time.Second
	DefaultGoToMaxDuration  = 8 * time.Hour
	DefaultGoToMaxPeople    = 250
	DefaultPexipMaxPeople   = 100
)

var providerNames = []string{"builtin", "gotomeeting", "pexip"}

func defaultProviders() Providers {
	p := Providers{
		Order: []string{"builtin"}, FailoverAttempts: DefaultFailoverAttempts, FailoverAfter: Duration{Duration: DefaultFailoverAfter},
		HealthCheckEvery: Duration{Duration: DefaultHealthCheckEvery},
		Builtin:          BuiltinProvider{ProviderLimits{ConfidentialOK: true}},
	}
	p.GoToMeeting.MaxParticipants = DefaultGoToMaxPeople
	p.GoToMeeting.MaxDuration = Duration{Duration: DefaultGoToMaxDuration}
	p.Pexip.MaxParticipants = DefaultPexipMaxPeople
	return p
}

// Uses reports whether a provider is in the order.
func (p Providers) Uses(name string) bool { return slices.Contains(p.Order, name) }

func validateGoTo(g GoToProvider, e *Errors) {
	if len(g.Organizers) == 0 {
		e.add("providers.gotomeeting.organizers", "name the organizer accounts (one licence each)")
	}
	for i, o := range g.Organizers {
		if strings.TrimSpace(o) == "" || slices.Index(g.Organizers, o) != i {
			e.add(fmt.Sprintf("providers.gotomeeting.organizers[%d]", i), "%q is empty or named twice", o)
		}
	}
	if g.ClientID == "" {
		e.add("providers.gotomeeting.client_id", "required (the OAuth client of the GoTo developer app)")
	}
	requiredFile("providers.gotomeeting.client_secret_file", g.ClientSecretFile, e)
	if b, err := os.ReadFile(g.CredentialsKeyFile); g.CredentialsKeyFile == "" || err != nil {
		e.add("providers.gotomeeting.credentials_key_file", "required and readable: the key that encrypts refresh tokens (64 hex characters; e.g. openssl rand -hex 32)")
	} else if k := strings.TrimSpace(string(b)); len(k) != 64 || strings.Trim(strings.ToLower(k), "0123456789abcdef") != "" {
		e.add("providers.gotomeeting.credentials_key_file", "must hold 64 hex characters (a 32-byte key)")
	}
	for _, u := range []struct{ path, v string }{{"redirect_uri", g.RedirectURI}, {"api_url", g.APIURL}, {"auth_url", g.AuthURL}, {"token_url", g.TokenURL}} {
		if u.v != "" && !httpURL(u.v) {
			e.add("providers.gotomeeting."+u.path, "%q is not an http(s) URL", u.v)
		}
	}
}

func validatePexip(x PexipProvider, e *Errors) {
	if x.APIURL == "" && len(x.StaticRooms) == 0 {
		e.add("providers.pexip.api_url", "set the management node's URL, or list static_rooms (DFNconf)")
	}
	if x.APIURL != "" {
		if !httpURL(x.APIURL) {
			e.add("providers.pexip.api_url", "%q is not an http(s) URL", x.APIURL)
		}
		if x.Username == "" {
			e.add("providers.pexip.username", "required with api_url (basic auth)")
		}
		requiredFile("providers.pexip.password_file", x.PasswordFile, e)
		if !httpURL(x.JoinURLBase) {
			e.add("providers.pexip.join_url_base", "required with api_url: the web app URL a VMR alias is appended to")
		}
	}
	for i, r := range x.StaticRooms {
		p := func(k string) string { return fmt.Sprintf("providers.pexip.static_rooms[%d].%s", i, k) }
		if r.Alias == "" {
			e.add(p("alias"), "required")
		}
		if !strings.HasPrefix(r.JoinURL, "https://") {
			e.add(p("join_url"), "%q must be an https URL", r.JoinURL)
		}
		if r.ParticipantLimit < 0 {
			e.add(p("participant_limit"), "must not be negative")
		}
		for _, pin := range []struct{ k, v string }{{"host_pin", r.HostPIN}, {"guest_pin", r.GuestPIN}} {
			if pin.v != "" && strings.Trim(pin.v, "0123456789") != "" {
				e.add(p(pin.k), "must be digits")
			}
		}
	}
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// requiredFile: a secret file that must be set and readable.
func requiredFile(key, name string, e *Errors) {
	if name == "" {
		e.add(key, "required")
		return
	}
	readable(key, name, e)
}
