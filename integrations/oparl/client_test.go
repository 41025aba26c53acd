package oparl

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestFindBody(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		name, key string
		ok        bool
	}{
		{"by ags", DemoAGS, true},
		{"by ags without leading zero", strings.TrimLeft(DemoAGS, "0"), true},
		{"by id", f.srv.URL + "/oparl/v1/body/kogge", true},
		{"unknown", "01001000", false},
		{"zeros only match nothing", "0000", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := f.client.FindBody(t.Context(), tc.key)
			if tc.ok != (err == nil) {
				t.Fatalf("FindBody(%q) = %+v, %v", tc.key, b, err)
			}
			if tc.ok && b.MeetingList == "" {
				t.Errorf("body without meeting list: %+v", b)
			}
		})
	}
}

func TestMeetingsPaginationAndLocations(t *testing.T) {
	f := newFixture(t, nil) // page size 3, 8 meetings
	b, err := f.client.FindBody(t.Context(), DemoAGS)
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.client.Meetings(t.Context(), b, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if list.Pages != 3 || len(list.Meetings) != 9 || len(list.Invalid) != 0 {
		t.Fatalf("pages %d, meetings %d, invalid %v; want 3, 8, none", list.Pages, len(list.Meetings), list.Invalid)
	}
	byID := map[string]Meeting{}
	for _, m := range list.Meetings {
		byID[m.ID] = m
	}
	council := byID[f.id(DemoCouncil)]
	if council.Location == nil || council.Location.Room != "Ratssaal" || council.LocationRef == "" {
		t.Errorf("referenced location not resolved: %+v", council)
	}
	if len(council.Agenda) != 3 || council.Agenda[2].Public || !council.Agenda[1].Public || council.Agenda[1].Start.IsZero() {
		t.Errorf("agenda: %+v", council.Agenda)
	}
	building := byID[f.id(DemoBuilding)]
	if building.Location == nil || !strings.Contains(building.Location.Description, "Sitzungszimmer 2") {
		t.Errorf("embedded location: %+v", building.Location)
	}
	if len(building.Embedded) != 1 || building.Embedded[0].Classification != "Gremien" || building.Embedded[0].Type != "Gremium" {
		t.Errorf("embedded organization: %+v", building.Embedded)
	}
	if !byID[f.id(DemoDeleted)].Deleted || !byID[f.id(DemoCancelled)].Cancelled {
		t.Error("tombstone or cancellation lost")
	}
	if r := byID[f.id(DemoRetreat)]; !r.StartDateOnly || r.End.Sub(r.Start) != 24*time.Hour {
		t.Errorf("date-only meeting: %v – %v", r.Start, r.End)
	}
}

func TestMeetingsDelta(t *testing.T) {
	for _, quirk := range []bool{false, true} {
		t.Run(map[bool]string{false: "spec", true: "next link drops the filter"}[quirk], func(t *testing.T) {
			f := newFixture(t, func(d *EmulatorData) { d.PageSize = 1; d.NextWithoutFilter = quirk })
			b, err := f.client.FindBody(t.Context(), DemoAGS)
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Hour)
			since := f.clock.Now()
			for _, key := range []string{DemoCouncil, DemoBuilding} {
				m, _ := f.em.Meeting(key)
				m.Name += " (geändert)"
				m.Modified = time.Time{}
				f.em.Put(m)
			}
			list, err := f.client.Meetings(t.Context(), b, since)
			if err != nil {
				t.Fatal(err)
			}
			if len(list.Meetings) != 2 || list.Pages != 2 {
				t.Fatalf("delta: %d meetings on %d pages, want 2 on 2", len(list.Meetings), list.Pages)
			}
		})
	}
}

func TestClientErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(r *http.Request) (int, string)
		want  string
	}{
		{"HTTP 500 on page 2", func(r *http.Request) (int, string) {
			if r.URL.Query().Get("page") == "2" {
				return 500, `{"type":"Error","message":"database gone"}`
			}
			return 0, ""
		}, "HTTP 500 Internal Server Error: {\"type\":\"Error\",\"message\":\"database gone\"}"},
		{"malformed JSON on page 3", func(r *http.Request) (int, string) {
			if r.URL.Query().Get("page") == "3" {
				return 200, `{"data": [{"id": `
			}
			return 0, ""
		}, "malformed JSON"},
		{"referenced location fails", func(r *http.Request) (int, string) {
			if strings.Contains(r.URL.Path, "/location/") {
				return 503, "busy"
			}
			return 0, ""
		}, "HTTP 503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			b, err := f.client.FindBody(t.Context(), DemoAGS)
			if err != nil {
				t.Fatal(err)
			}
			f.em.Fail(tc.fault)
			_, err = f.client.Meetings(t.Context(), b, time.Time{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestMissingLocationIsNotAnError(t *testing.T) {
	f := newFixture(t, nil)
	b, err := f.client.FindBody(t.Context(), DemoAGS)
	if err != nil {
		t.Fatal(err)
	}
	f.em.Fail(func(r *http.Request) (int, string) {
		if strings.HasSuffix(r.URL.Path, "/location/ratssaal") {
			return 404, `{"type":"Error"}`
		}
		return 0, ""
	})
	list, err := f.client.Meetings(t.Context(), b, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list.Meetings {
		if m.ID == f.id(DemoCouncil) && m.Location != nil {
			t.Errorf("location of a 404 reference: %+v", m.Location)
		}
	}
}

func TestSystemErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"not a system", `{"id":"x","name":"a blog"}`, 200, "names no body list"},
		{"html", `<html>maintenance</html>`, 200, "malformed JSON"},
		{"gateway", `bad gateway`, 502, "HTTP 502"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c, err := NewClient(srv.URL, Options{Zone: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.System(t.Context())
			var he *HTTPError
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.status != 200) != errors.As(err, &he) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// A list whose next link never ends is cut at MaxPages; one that links to
// itself ends there.
func TestPaginationBounds(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := srv.URL + "/list?page=" + r.URL.Query().Get("page") + "1"
		if r.URL.Query().Get("loop") != "" {
			next = srv.URL + r.URL.RequestURI()
		}
		_, _ = w.Write([]byte(`{"data":[{"id":"o` + r.URL.RawQuery + `"}],"links":{"next":"` + next + `"}}`))
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, Options{MaxPages: 5, Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := c.Organizations(t.Context(), Body{OrganizationList: srv.URL + "/list?page=1"})
	if err == nil || !strings.Contains(err.Error(), "more than 5 pages") {
		t.Fatalf("endless list: %d orgs, %v", len(orgs), err)
	}
	orgs, err = c.Organizations(t.Context(), Body{OrganizationList: srv.URL + "/list?loop=1"})
	if err != nil || len(orgs) != 1 {
		t.Fatalf("self-linking list: %d orgs, %v", len(orgs), err)
	}
}

func TestNewClientRejectsBadEndpoints(t *testing.T) {
	for _, e := range []string{"", "ftp://x/system", "http://", "::"} {
		if _, err := NewClient(e, Options{}); err == nil {
			t.Errorf("NewClient(%q) accepted", e)
		}
	}
}

// A council system's links (or redirects) to other hosts are not followed:
// Kogge must not be made to fetch URLs inside the city network.
func TestForeignLinksAreRefused(t *testing.T) {
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the client fetched %s on a foreign host", r.URL)
		_, _ = w.Write([]byte(`{"data":[],"links":{}}`))
	}))
	defer inner.Close()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, inner.URL+"/list", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte(`{"data":[{"id":"o1"}],"links":{"next":"` + inner.URL + `/list?page=2"}}`))
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, Options{Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range []string{inner.URL + "/list", srv.URL + "/list", srv.URL + "/redirect"} {
		if _, err := c.Organizations(t.Context(), Body{OrganizationList: list}); !errors.Is(err, ErrForeignHost) {
			t.Errorf("%s: %v, want ErrForeignHost", list, err)
		}
	}
	// A host the admin names is followed.
	u, _ := url.Parse(inner.URL)
	c, _ = NewClient(srv.URL, Options{Zone: time.UTC, OtherHosts: []string{u.Host}})
	inner.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"data":[{"id":"o2"}],"links":{}}`))
	})
	if orgs, err := c.Organizations(t.Context(), Body{OrganizationList: srv.URL + "/list"}); err != nil || len(orgs) != 2 {
		t.Fatalf("with the other host allowed: %d, %v", len(orgs), err)
	}
}
