package pexip

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// newTestClient serves an emulator over httptest and records POST bodies.
func newTestClient(t *testing.T) (*Client, *Emulator, *[]string) {
	t.Helper()
	emu := NewEmulator("admin", "secret")
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost || r.Method == http.MethodPatch {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL, "admin", "secret")
	c.Limiter = nil
	return c, emu, &bodies
}

func TestMeetingRoomLifecycle(t *testing.T) {
	c, _, bodies := newTestClient(t)
	ctx := context.Background()
	m := Meeting{Name: "Ratssaal 2025-03-12 Bauausschuss", Alias: "ratssaal-4711", HostPIN: "482913",
		GuestPIN: "775104", ParticipantLimit: 40, AllowGuests: true, Tag: "kogge:4711"}
	o, err := c.CreateMeetingRoom(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if o.Path() != "/api/admin/configuration/v1/conference/1/" || o.ID() != 1 {
		t.Fatalf("object URL %v", o)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte((*bodies)[0]), &sent); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": m.Name, "service_type": "conference", "pin": "482913", "allow_guests": true,
		"guest_pin": "775104", "participant_limit": 40.0, "tag": "kogge:4711",
		"aliases": []any{map[string]any{"alias": "ratssaal-4711"}}}
	if fmt.Sprint(sent) != fmt.Sprint(want) {
		t.Fatalf("create body\n got %v\nwant %v", sent, want)
	}
	got, err := c.GetConference(ctx, o)
	if err != nil || got.Name != m.Name || *got.ParticipantLimit != 40 || got.Aliases[0].Conference != o.Path() {
		t.Fatalf("get: %v %+v", err, got)
	}
	if err := c.UpdateConference(ctx, o, map[string]any{"participant_limit": 60}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetConference(ctx, o); *got.ParticipantLimit != 60 || got.GuestPIN != "775104" {
		t.Fatalf("after patch %+v", got)
	}
	if f, ok, err := c.FindConferenceByName(ctx, m.Name); err != nil || !ok || f.ID != 1 {
		t.Fatalf("find: %v %v %+v", err, ok, f)
	}
	if err := c.DeleteConference(ctx, o); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetConference(ctx, o); !IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
	if err := c.DeleteConference(ctx, o); err != nil {
		t.Fatalf("second delete should be a no-op: %v", err)
	}
}

func TestUnlimitedParticipantsSendsNull(t *testing.T) {
	c, _, bodies := newTestClient(t)
	if _, err := c.CreateMeetingRoom(context.Background(), Meeting{Name: "x"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains((*bodies)[0], `"participant_limit":null`) {
		t.Fatalf("body %s", (*bodies)[0])
	}
}

func TestValidationErrors(t *testing.T) {
	c, _, _ := newTestClient(t)
	ctx := context.Background()
	if _, err := c.CreateMeetingRoom(ctx, Meeting{Name: "a", Alias: "a1", HostPIN: "1234"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		m     Meeting
		field string
	}{
		{Meeting{Name: "a"}, "name"},
		{Meeting{Name: "b", Alias: "a1"}, "aliases"},
		{Meeting{Name: "c", HostPIN: "12"}, "pin"},
		{Meeting{Name: "d", HostPIN: "1234", GuestPIN: "1234"}, "guest_pin"},
		{Meeting{Name: strings.Repeat("n", 251)}, "name"},
	}
	for _, tc := range tests {
		_, err := c.CreateMeetingRoom(ctx, tc.m)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 400 || len(ae.Fields[tc.field]) == 0 {
			t.Fatalf("%+v: %v", tc.m, err)
		}
		if !strings.Contains(err.Error(), "400 Bad Request; "+tc.field+":") {
			t.Fatalf("unreadable message %q", err)
		}
	}
	neg := -1
	if _, err := c.CreateConference(ctx, Conference{Name: "e", ParticipantLimit: &neg}); statusOf(err) != 400 {
		t.Fatalf("negative limit: %v", err)
	}
}

func TestParseAPIErrorShapes(t *testing.T) {
	for body, want := range map[string]string{
		`{"conference":{"name":["dup"]}}`: "name: dup",
		`{"name":["dup"]}`:                "name: dup",
		`{"error_message":"nope"}`:        ": nope",
		`<html>oops</html>`:               ": <html>oops</html>",
	} {
		if got := parseAPIError("GET", "/x/", 400, []byte(body)).Error(); !strings.HasSuffix(got, want) {
			t.Errorf("%s: %q", body, got)
		}
	}
}

func TestPagination(t *testing.T) {
	c, emu, _ := newTestClient(t)
	ctx := context.Background()
	for i := range 45 {
		if _, err := c.CreateConference(ctx, Conference{Name: fmt.Sprintf("room %02d", i), Tag: "kogge"}); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := c.ListConferences(ctx, map[string][]string{"tag": {"kogge"}})
	if err != nil || len(cs) != 45 || cs[44].Name != "room 44" {
		t.Fatalf("%v %d", err, len(cs))
	}
	gets := 0
	for _, r := range emu.Requests() {
		if strings.HasPrefix(r, "GET ") {
			gets++
			if !strings.Contains(r, "tag=kogge") {
				t.Errorf("next link lost the filter: %s", r)
			}
		}
	}
	if gets != 3 {
		t.Fatalf("GETs = %d, want 3 pages of 20", gets)
	}
}

func TestEmulatorHTTPSemantics(t *testing.T) {
	emu := NewEmulator("admin", "secret")
	srv := httptest.NewServer(emu)
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path, user string) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(`{}`))
		req.SetBasicAuth(user, "secret")
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		method, path, user string
		want               int
	}{
		{"PUT", Conferences.Path(), "admin", 405},
		{"DELETE", Conferences.Path(), "admin", 405},
		{"GET", "/api/admin/configuration/v1/conference", "admin", 301},
		{"POST", "/api/admin/configuration/v1/conference", "admin", 404},
		{"GET", Conferences.Path(), "mallory", 401},
		{"POST", StatusLicensing.Path(), "admin", 405},
		{"GET", "/api/admin/configuration/v1/conference/9/", "admin", 404},
		{"GET", Conferences.Path() + "?limit=x", "admin", 400},
	} {
		if got := do(tc.method, tc.path, tc.user); got != tc.want {
			t.Errorf("%s %s as %s: %d, want %d", tc.method, tc.path, tc.user, got, tc.want)
		}
	}
}

func TestLicensingFromStatus(t *testing.T) {
	c, emu, _ := newTestClient(t)
	ctx := context.Background()
	emu.PortTotal = 10
	if _, err := c.CreateMeetingRoom(ctx, Meeting{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	id, err := emu.AddParticipant("r", "chair", "Ratssaal")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.AddParticipant("r", "guest", "Gast"); err != nil {
		t.Fatal(err)
	}
	l, err := c.Licensing(ctx)
	if err != nil || l.PortCount != 2 || l.PortTotal != 10 || l.PortHeadroom() != 8 || l.Metrics()["port_headroom"] != 8 {
		t.Fatalf("%v %+v", err, l)
	}
	emu.RemoveParticipant(id)
	if l, _ := c.Licensing(ctx); l.PortCount != 1 {
		t.Fatalf("after leave %+v", l)
	}
	if _, err := emu.AddParticipant("nope", "guest", "x"); err == nil {
		t.Fatal("participant in unknown VMR")
	}
}

func TestParseObjectURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://mgr.example/api/admin/configuration/v1/conference/42/": "/api/admin/configuration/v1/conference/42/",
		"/api/admin/configuration/v1/conference/42":                     "/api/admin/configuration/v1/conference/42/",
	} {
		o, err := ParseObjectURL(in)
		if err != nil || o.Path() != want || o.ID() != 42 {
			t.Errorf("%s: %v %v", in, o, err)
		}
	}
	for _, bad := range []string{"", "/api/admin/configuration/v1/conference/", "/other/42/"} {
		if _, err := ParseObjectURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A server (or a proxy in front of it) that ignores the name filter must
// not make Kogge update or delete someone else's VMR.
func TestFindConferenceByNameChecksTheName(t *testing.T) {
	emu := NewEmulator("admin", "secret")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			q := r.URL.Query()
			q.Del("name") // the filter is dropped on the way
			r.URL.RawQuery = q.Encode()
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL, "admin", "secret")
	c.Limiter = nil
	ctx := context.Background()
	if _, err := c.CreateMeetingRoom(ctx, Meeting{Name: "kogge-other", Alias: "other-1", AllowGuests: true}); err != nil {
		t.Fatal(err)
	}
	if f, ok, err := c.FindConferenceByName(ctx, "kogge-mine"); err != nil || ok {
		t.Fatalf("found %+v (%v, %v) for a name no VMR has", f, ok, err)
	}
	if f, ok, err := c.FindConferenceByName(ctx, "kogge-other"); err != nil || !ok || f.Name != "kogge-other" {
		t.Fatalf("the VMR that exists: %+v %v %v", f, ok, err)
	}
}
