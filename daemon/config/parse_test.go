package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// room is a valid [[rooms]] table that cases extend or follow.
const room = `
[[rooms]]
id = "ratssaal"
name = "Ratssaal"
capacity = 80
`

// problems parses src and returns its problems, failing on any other error.
func problems(t *testing.T, src string) Errors {
	t.Helper()
	c, err := Parse([]byte(src))
	if err == nil {
		if c == nil {
			t.Fatal("Parse returned neither config nor error")
		}
		return nil
	}
	if c != nil {
		t.Errorf("Parse returned a config along with %v", err)
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error %T is not Errors: %v", err, err)
	}
	return errs
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want Errors
	}{
		{"no rooms", "", Errors{{"rooms", "at least one [[rooms]] table is required"}}},
		{"empty rooms array", "rooms = []", Errors{{"rooms", "at least one [[rooms]] table is required"}}},
		{"rooms as table", "[rooms]\nid = \"x\"", Errors{
			{"rooms", "must be an array of tables, written [[rooms]], not a table"}}},
		{"listen without port", "[server]\nlisten = \"localhost\"\n" + room, Errors{
			{"server.listen", `"localhost" is not host:port (e.g. "127.0.0.1:8080")`}}},
		{"listen bad port", "[server]\nlisten = \"127.0.0.1:http\"\npublic_url = \"http://x\"\n" + room, Errors{
			{"server.listen", `port "http" must be a number 0..65535`}}},
		{"listen port too big", "[server]\nlisten = \":70000\"\npublic_url = \"http://x\"\n" + room, Errors{
			{"server.listen", `port "70000" must be a number 0..65535`}}},
		{"listen bad host", "[server]\nlisten = \"a b:80\"\npublic_url = \"http://x\"\n" + room, Errors{
			{"server.listen", `host "a b" is neither an IP address nor a host name`}}},
		{"public url relative", "[server]\npublic_url = \"raeume.example\"\n" + room, Errors{
			{"server.public_url", `"raeume.example" must start with https:// or http://`}}},
		{"public url ftp", "[server]\npublic_url = \"ftp://raeume.example\"\n" + room, Errors{
			{"server.public_url", `"ftp://raeume.example" must start with https:// or http://`}}},
		{"public url path", "[server]\npublic_url = \"https://stadt.example/raeume\"\n" + room, Errors{
			{"server.public_url", `"https://stadt.example/raeume" must not have a path, query or fragment`}}},
		{"public url no host", "[server]\npublic_url = \"https:///\"\n" + room, Errors{
			{"server.public_url", `"https:///" has no host`}}},
		{"public url credentials", "[server]\npublic_url = \"https://a:b@stadt.example\"\n" + room, Errors{
			{"server.public_url", `"https://a:b@stadt.example" must not contain credentials`}}},
		{"tls cert without key", "[server]\ntls_cert = \"/x.pem\"\n" + room, Errors{
			{"server.tls_key", "required when tls_cert is set"}}},
		{"tls key without cert", "[server]\ntls_key = \"/x.pem\"\n" + room, Errors{
			{"server.tls_cert", "required when tls_key is set"}}},
		{"tls files missing", "[server]\ntls_cert = \"/nonexistent/c.pem\"\ntls_key = \"/nonexistent/k.pem\"\n" + room, Errors{
			{"server.tls_cert", "cannot read /nonexistent/c.pem: no such file or directory"},
			{"server.tls_key", "cannot read /nonexistent/k.pem: no such file or directory"}}},
		{"trusted proxy not a prefix", "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"10.1.2.3\", \"fd00::1\", \"proxy\"]\n" + room, Errors{
			{"server.trusted_proxies[1]", `"10.1.2.3" is not a CIDR prefix such as 10.0.0.0/8 (for one address write 10.1.2.3/32)`},
			{"server.trusted_proxies[2]", `"fd00::1" is not a CIDR prefix such as 10.0.0.0/8 (for one address write fd00::1/128)`},
			{"server.trusted_proxies[3]", `"proxy" is not a CIDR prefix such as 10.0.0.0/8`}}},
		{"shutdown too short", "[server]\nshutdown_timeout = \"500ms\"\n" + room, Errors{
			{"server.shutdown_timeout", "must be between 2s and 10s, not 500ms"}}},
		{"shutdown too long", "[server]\nshutdown_timeout = \"2m\"\n" + room, Errors{
			{"server.shutdown_timeout", "must be between 2s and 10s, not 2m"}}},
		{"data dir empty", "[store]\ndata_dir = \"\"\n" + room, Errors{
			{"store.data_dir", "required (e.g. /var/lib/kogge)"}}},
		{"open timeout zero", "[store]\nopen_timeout = \"0s\"\n" + room, Errors{
			{"store.open_timeout", "must be > 0 and at most 1m, not 0s"}}},
		{"log format", "[log]\nformat = \"xml\"\nlevel = \"trace\"\n" + room, Errors{
			{"log.format", `"xml" must be auto, text or json`},
			{"log.level", `"trace" must be debug, info, warn or error`}}},
		{"session ttl too short", "[auth]\nsession_ttl = \"1m\"\n" + room, Errors{
			{"auth.session_ttl", "must be between 5m and 168h, not 1m"}}},
		{"session ttl in days", "[auth]\nsession_ttl = \"7d\"\n" + room, Errors{
			{"auth.session_ttl", `invalid duration "7d": days are written in hours, e.g. "168h" for 7 days`}}},
		{"duration as integer", "[auth]\nsession_ttl = 3600\n" + room, Errors{
			{"auth.session_ttl", "must be a quoted string, not an integer"}}},
		{"duration typo", "[auth]\nsession_ttl = \"12 hours\"\n" + room, Errors{
			{"auth.session_ttl", `invalid duration "12 hours": write e.g. "90s", "15m" or "2h30m"`}}},
		{"bool as string", "[auth]\nrequire_totp = \"yes\"\n" + room, Errors{
			{"auth.require_totp", "must be true or false, not a string"}}},
		{"section as value", "server = 5\n" + room, Errors{
			{"server", "must be a table, not an integer"}}},
		{"room id missing", "[[rooms]]\nname = \"A\"\ncapacity = 1\n", Errors{
			{"rooms[0].id", "required"}}},
		{"room id not a slug", "[[rooms]]\nid = \"Ratssaal 1\"\nname = \"A\"\ncapacity = 1\n", Errors{
			{"rooms[0].id", `"Ratssaal 1" is not a valid id: lower-case letters, digits and inner hyphens, at most 64 characters`}}},
		{"room id duplicate", room + room + room, Errors{
			{"rooms[1].id", `"ratssaal" is already the id of rooms[0]`},
			{"rooms[2].id", `"ratssaal" is already the id of rooms[0]`}}},
		{"room name missing", "[[rooms]]\nid = \"a\"\ncapacity = 1\n", Errors{
			{"rooms[0].name", "required"}}},
		{"room name too long", "[[rooms]]\nid = \"a\"\ncapacity = 1\nname = \"" + strings.Repeat("ä", 101) + "\"\n", Errors{
			{"rooms[0].name", "must be at most 100 characters, not 101"}}},
		{"room building too long", room + "building = \"" + strings.Repeat("b", 101) + "\"\n", Errors{
			{"rooms[0].building", "must be at most 100 characters, not 101"}}},
		{"capacity zero", room + room + "[[rooms]]\nid = \"c\"\nname = \"C\"\ncapacity = 0\n", Errors{
			{"rooms[1].id", `"ratssaal" is already the id of rooms[0]`},
			{"rooms[2].capacity", "must be > 0"}}},
		{"capacity missing", "[[rooms]]\nid = \"a\"\nname = \"A\"\n", Errors{
			{"rooms[0].capacity", "must be > 0"}}},
		{"capacity float", "[[rooms]]\nid = \"a\"\nname = \"A\"\ncapacity = 8.5\n", Errors{
			{"rooms[0].capacity", "must be an integer, not a float"}}},
		{"zone unknown", room + "zone = \"Europe/Bonn\"\n", Errors{
			{"rooms[0].zone", `unknown zone "Europe/Bonn" (an IANA name such as Europe/Berlin)`}}},
		{"zone empty", room + "zone = \"\"\n", Errors{
			{"rooms[0].zone", `"" is not an IANA zone name such as Europe/Berlin`}}},
		{"zone local", room + "zone = \"Local\"\n", Errors{
			{"rooms[0].zone", `"Local" is not an IANA zone name such as Europe/Berlin`}}},
		{"setup negative", room + "setup = \"-5m\"\nteardown = \"5h\"\n", Errors{
			{"rooms[0].setup", "must be between 0s and 4h, not -5m"},
			{"rooms[0].teardown", "must be between 0s and 4h, not 5h"}}},
		{"buffers not whole minutes", room + "setup = \"90s\"\nmax_booking = \"2h30m10s\"\n", Errors{
			{"rooms[0].setup", "must be whole minutes (bookings are), not 1m30s"},
			{"rooms[0].max_booking", "must be whole minutes (bookings are), not 2h30m10s"}}},
		{"max booking zero", room + "max_booking = \"0s\"\n", Errors{
			{"rooms[0].max_booking", "must be > 0 and at most 168h (7 days), not 0s"}}},
		{"max booking too long", room + "max_booking = \"169h\"\n", Errors{
			{"rooms[0].max_booking", "must be > 0 and at most 168h (7 days), not 169h"}}},
		{"days empty", room + "bookable_days = []\n", Errors{
			{"rooms[0].bookable_days", "must name at least one day"}}},
		{"day unknown", room + "bookable_days = [\"mon\", \"Tue\"]\n", Errors{
			{"rooms[0].bookable_days", `unknown day "Tue" (use mon, tue, wed, thu, fri, sat, sun)`}}},
		{"day twice", room + "bookable_days = [\"mon\", \"mon\"]\n", Errors{
			{"rooms[0].bookable_days", `"mon" is listed twice`}}},
		{"day not a string", room + "bookable_days = [\"mon\", 2]\n", Errors{
			{"rooms[0].bookable_days[1]", "must be a quoted string, not an integer"}}},
		{"from malformed", room + "bookable_from = \"7:00\"\n", Errors{
			{"rooms[0].bookable_from", `"7:00" is not a time of day written "HH:MM"`}}},
		{"from with seconds", room + "bookable_from = \"07:00:30\"\n", Errors{
			{"rooms[0].bookable_from", `"07:00:30" is not a time of day written "HH:MM"`}}},
		{"from 24:00", room + "bookable_from = \"24:00\"\n", Errors{
			{"rooms[0].bookable_from", `"24:00" is the end of the day; use "00:00"`}}},
		{"until minutes", room + "bookable_until = \"18:60\"\n", Errors{
			{"rooms[0].bookable_until", `"18:60" is not a time of day written "HH:MM"`}}},
		{"until 25:00", room + "bookable_until = \"25:00\"\n", Errors{
			{"rooms[0].bookable_until", `"25:00" is not a time of day written "HH:MM"`}}},
		{"until before from", room + "bookable_from = \"18:00\"\nbookable_until = \"08:00\"\n", Errors{
			{"rooms[0].bookable_until", "08:00 must be after bookable_from 18:00"}}},
		{"until equals from", room + "bookable_from = \"08:00\"\nbookable_until = \"08:00\"\n", Errors{
			{"rooms[0].bookable_until", "08:00 must be after bookable_from 08:00"}}},
		{"unquoted local time with seconds", room + "bookable_from = 07:00:30\n", Errors{
			{"rooms[0].bookable_from", "must be a quoted string, not a date/time"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(t, tt.src)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	src := `
[server]
listen = "127.0.0.1:8080"
shutdown_timeout = "0s"
[log]
level = "loud"
[[rooms]]
id = "a"
name = "A"
capacity = 10
[[rooms]]
id = "B"
name = ""
capacity = -1
capcity = 3
[[rooms]]
id = "c"
name = "C"
capacity = 5
bookable_until = "07:00"
bookable_from = "09:00"
`
	want := Errors{
		{"rooms[1].capcity", "unknown key; did you mean capacity?"},
		{"server.shutdown_timeout", "must be between 2s and 10s, not 0s"},
		{"log.level", `"loud" must be debug, info, warn or error`},
		{"rooms[1].id", `"B" is not a valid id: lower-case letters, digits and inner hyphens, at most 64 characters`},
		{"rooms[1].name", "required"},
		{"rooms[1].capacity", "must be > 0"},
		{"rooms[2].bookable_until", "07:00 must be after bookable_from 09:00"},
	}
	got := problems(t, src)
	if !slices.Equal(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
	// One problem per line, "path: message".
	lines := strings.Split(got.Error(), "\n")
	if len(lines) != len(want) || lines[5] != "rooms[1].capacity: must be > 0" {
		t.Errorf("Error() =\n%s", got.Error())
	}
}

func TestParseUnknownKeys(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want Errors
	}{
		{"top level key", "listen = \":80\"\n" + room, Errors{{"listen", "unknown key"}}},
		{"top level table", "[database]\npath = \"/x\"\n" + room, Errors{{"database", "unknown key"}}},
		{"in server", "[server]\nlisten_addr = \"127.0.0.1:80\"\n" + room, Errors{
			{"server.listen_addr", "unknown key"}}},
		{"in server, near miss", "[server]\npublic_ulr = \"https://x.example\"\n" + room, Errors{
			{"server.public_ulr", "unknown key; did you mean public_url?"}}},
		{"wrong case", "[server]\nListen = \"127.0.0.1:80\"\n" + room, Errors{
			{"server.Listen", "unknown key; did you mean listen?"}}},
		{"nested table in server", "[server.tls]\ncert = \"/x\"\n" + room, Errors{
			{"server.tls", "unknown key"}}},
		{"in second room", room + "[[rooms]]\nid = \"b\"\nname = \"B\"\ncapacity = 4\ncapcity = 4\n", Errors{
			{"rooms[1].capcity", "unknown key; did you mean capacity?"}}},
		{"in inline room", `rooms = [{id = "a", name = "A", capacity = 1}, {id = "b", name = "B", capacity = 1, seats = 2}]`, Errors{
			{"rooms[1].seats", "unknown key"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := problems(t, tt.src); !slices.Equal(got, tt.want) {
				t.Errorf("got\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestParseSyntaxError(t *testing.T) {
	src := "[server]\nlisten = \"127.0.0.1:8080\"\nshutdown_timeout = 10s\n" + room
	got := problems(t, src)
	if len(got) != 1 {
		t.Fatalf("want one problem, got %v", got)
	}
	msg := got[0].Message
	if !strings.HasPrefix(msg, "syntax error at line 3, column 22: ") {
		t.Errorf("message %q does not locate the error at line 3, column 22", msg)
	}
	if got[0].Path != "" {
		t.Errorf("syntax error has path %q", got[0].Path)
	}
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse([]byte(room))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Server
	if s.Listen != "127.0.0.1:8080" || s.PublicURL != "http://127.0.0.1:8080" || s.TLSCert != "" ||
		s.TrustedProxies != nil || s.ShutdownTimeout.Duration != 10*time.Second {
		t.Errorf("server defaults: %+v", s)
	}
	if c.Store.DataDir != "/var/lib/kogge" || c.Store.OpenTimeout.Duration != 2*time.Second {
		t.Errorf("store defaults: %+v", c.Store)
	}
	if c.Log.Format != "auto" || c.Log.Level != "info" {
		t.Errorf("log defaults: %+v", c.Log)
	}
	if c.Auth.RequireTOTP || c.Auth.SessionTTL.Duration != 12*time.Hour {
		t.Errorf("auth defaults: %+v", c.Auth)
	}
	r := c.Rooms[0]
	if r.Zone != "Europe/Berlin" || r.Setup.Duration != 0 || r.Teardown.Duration != 0 ||
		r.MaxBooking.Duration != 12*time.Hour || len(r.BookableDays) != 7 ||
		r.BookableFrom != "00:00" || r.BookableUntil != "24:00" {
		t.Errorf("room defaults: %+v", r)
	}
}

// prep_lead = "0s" is a lead of zero, not "use the default".
func TestParseZeroPrepLead(t *testing.T) {
	c, err := Parse([]byte(room + `prep_lead = "0s"` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := c.RoomList()
	if err != nil {
		t.Fatal(err)
	}
	if got := rs[0].PrepLeadOrDefault(); got != 0 {
		t.Errorf("prep_lead 0s: lead %v, want 0", got)
	}
	c, _ = Parse([]byte(room))
	if rs, _ := c.RoomList(); rs[0].PrepLeadOrDefault() != 15*time.Minute {
		t.Errorf("no prep_lead: lead %v, want the default", rs[0].PrepLeadOrDefault())
	}
}

func TestParseDefaultPublicURL(t *testing.T) {
	tests := []struct{ server, want string }{
		{`listen = "127.0.0.1:9000"`, "http://127.0.0.1:9000"},
		{`listen = ":8080"`, "http://localhost:8080"},
		{`listen = "0.0.0.0:8080"`, "http://localhost:8080"},
		{`listen = "[::1]:8080"`, "http://[::1]:8080"},
		{`listen = "[::]:8080"`, "http://localhost:8080"},
		{`public_url = "https://raeume.stadt.example/"`, "https://raeume.stadt.example/"},
	}
	for _, tt := range tests {
		c, err := Parse([]byte("[server]\n" + tt.server + "\n" + room))
		if err != nil {
			t.Errorf("%s: %v", tt.server, err)
			continue
		}
		if c.Server.PublicURL != tt.want {
			t.Errorf("%s: public_url %q, want %q", tt.server, c.Server.PublicURL, tt.want)
		}
	}
}

func TestParseUnquotedLocalTime(t *testing.T) {
	// TOML reads 07:00 without quotes as a local time; accept it as "07:00".
	c, err := Parse([]byte(room + "bookable_from = 07:00\nbookable_until = 18:30:00\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Rooms[0]; r.BookableFrom != "07:00" || r.BookableUntil != "18:30" {
		t.Errorf("hours %q..%q", r.BookableFrom, r.BookableUntil)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kogge.toml")
	if err := os.WriteFile(path, []byte(room), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Errorf("Load(valid): %v", err)
	}
	missing := filepath.Join(dir, "missing.toml")
	_, err := Load(missing)
	if err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v; want an error naming %s", err, missing)
	}
}
