package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProvidersDefaultsAndSections(t *testing.T) {
	c, err := Parse([]byte(room))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Providers
	if len(p.Order) != 1 || p.Order[0] != "builtin" || !p.Builtin.ConfidentialOK || p.Builtin.MaxParticipants != DefaultParticipantLimit ||
		p.GoToMeeting.MaxDuration.Duration != 8*time.Hour || p.FailoverAttempts != 3 {
		t.Fatalf("defaults %+v", p)
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "s")
	key := filepath.Join(dir, "k")
	os.WriteFile(secret, []byte("x"), 0o600)
	os.WriteFile(key, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	c, err = Parse([]byte(room + `
[providers]
order = ["builtin", "pexip", "gotomeeting"]
[providers.gotomeeting]
organizers = ["a@x", "b@x"]
client_id = "id"
client_secret_file = "` + secret + `"
credentials_key_file = "` + key + `"
[providers.pexip]
max_participants = 60
[[providers.pexip.static_rooms]]
alias = "979"
join_url = "https://conf.dfn.de/webapp/conference/979"
participant_limit = 50
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Providers.GoToMeeting.Organizers) != 2 || c.Providers.Pexip.MaxParticipants != 60 || c.Providers.Pexip.StaticRooms[0].Alias != "979" {
		t.Fatalf("parsed %+v", c.Providers)
	}
}

func TestProviderProblems(t *testing.T) {
	cases := []struct{ body, want string }{
		{"order = []", "providers.order: name at least one provider"},
		{`order = ["zoom"]`, `providers.order[0]: "zoom" is not a provider`},
		{`order = ["builtin", "builtin"]`, `providers.order[1]: "builtin" is named twice`},
		{"[providers.gotomeeting]\nconfidential_ok = true", "providers.gotomeeting.confidential_ok: must be false: GoToMeeting is a US service"},
		{`order = ["gotomeeting"]`, "providers.gotomeeting.organizers: name the organizer accounts"},
		{`order = ["gotomeeting"]`, "providers.gotomeeting.credentials_key_file: required"},
		{`order = ["pexip"]`, "providers.pexip.api_url: set the management node's URL, or list static_rooms"},
		{"order = [\"pexip\"]\n[[providers.pexip.static_rooms]]\nalias = \"1\"\njoin_url = \"http://x\"", "providers.pexip.static_rooms[0].join_url"},
		{"failover_attempts = 0", "providers.failover_attempts: must be between 1 and 100"},
		{"[providers.builtin]\nmax_paticipants = 3", "providers.builtin.max_paticipants: unknown key; did you mean max_participants?"},
	}
	for _, c := range cases {
		errs := problems(t, room+"\n[providers]\n"+c.body+"\n")
		if !strings.Contains(errs.Error(), c.want) {
			t.Errorf("%s: want %q in\n%v", c.body, c.want, errs)
		}
	}
}
