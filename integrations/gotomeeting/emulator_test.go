package gotomeeting

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// rawCall sends a hand-written request to the emulator's meeting API.
func rawCall(t *testing.T, emu *Emulator, tok, method, path, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, testHost+"/G2M/rest"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

const validBody = `{"subject":"S","starttime":"2030-03-12T16:00:00Z","endtime":"2030-03-12T18:00:00Z",` +
	`"passwordrequired":false,"conferencecallinfo":"VoIP","timezonekey":"","meetingtype":"scheduled"}`

func TestEmulatorWireFormat(t *testing.T) {
	emu := NewEmulator(EmulatorOptions{ClientID: testClientID, ClientSecret: testSecret, RateLimit: -1})
	tok := emu.IssueToken("org1").AccessToken

	code, body := rawCall(t, emu, tok, "POST", "/meetings", validBody)
	if code != http.StatusCreated || !strings.HasPrefix(body, "[{") ||
		!strings.Contains(body, `"meetingid":100000001`) || !strings.Contains(body, `"joinURL":"https://global.gotomeeting.com/join/100000001"`) ||
		!strings.Contains(body, `"conferenceCallInfo":"VoIP"`) || !strings.Contains(body, `"maxParticipants":250`) {
		t.Fatalf("create: %d %s", code, body)
	}
	// Old samples send the boolean as a string, and the old OAuth header.
	req := httptest.NewRequest("POST", testHost+"/G2M/rest/meetings",
		strings.NewReader(strings.Replace(validBody, `false`, `"true"`, 1)))
	req.Header.Set("Authorization", "OAuth oauth_token="+tok)
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("legacy create: %d %s", rec.Code, rec.Body)
	}

	code, body = rawCall(t, emu, tok, "GET", "/upcomingMeetings", "")
	if code != http.StatusOK || !strings.Contains(body, `"meetingId":"100000001"`) {
		t.Fatalf("upcoming: %d %s", code, body)
	}
	code, body = rawCall(t, emu, tok, "GET", "/meetings/100000001", "")
	if code != http.StatusOK || !strings.Contains(body, `"meetingId":100000001`) ||
		!strings.Contains(body, `"status":"INACTIVE"`) || !strings.Contains(body, `"duration":120`) {
		t.Fatalf("get: %d %s", code, body)
	}
	if code, body = rawCall(t, emu, tok, "PUT", "/meetings/100000001", validBody); code != http.StatusNoContent || body != "" {
		t.Fatalf("put: %d %q", code, body)
	}
	if code, _ = rawCall(t, emu, tok, "DELETE", "/meetings/100000001", ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _ = rawCall(t, emu, tok, "DELETE", "/meetings/100000001", ""); code != http.StatusNotFound {
		t.Fatalf("delete again: %d", code)
	}
	if code, body = rawCall(t, emu, "nope", "GET", "/upcomingMeetings", ""); code != http.StatusForbidden ||
		body != `{"int_err_code":"InvalidToken","msg":"Invalid token passed"}`+"\n" {
		t.Fatalf("bad token: %d %s", code, body)
	}
}

func TestEmulatorValidation(t *testing.T) {
	emu := NewEmulator(EmulatorOptions{ClientID: testClientID, ClientSecret: testSecret, RateLimit: -1})
	tok := emu.IssueToken("org1").AccessToken
	var fields map[string]any
	_ = json.Unmarshal([]byte(validBody), &fields)
	for _, k := range requiredFields {
		m := map[string]any{}
		for kk, v := range fields {
			if kk != k {
				m[kk] = v
			}
		}
		b, _ := json.Marshal(m)
		if code, body := rawCall(t, emu, tok, "POST", "/meetings", string(b)); code != http.StatusBadRequest ||
			!strings.Contains(body, k) {
			t.Errorf("without %s: %d %s", k, code, body)
		}
	}
	for name, body := range map[string]string{
		"end before start": strings.Replace(validBody, "18:00", "15:00", 1),
		"bad date":         strings.Replace(validBody, "2030-03-12T16:00:00Z", "12.03.2030", 1),
		"bad type":         strings.Replace(validBody, "scheduled", "sometimes", 1),
		"long subject":     strings.Replace(validBody, `"S"`, `"`+strings.Repeat("s", 101)+`"`, 1),
		"empty call info":  strings.Replace(validBody, `"VoIP"`, `""`, 1),
	} {
		if code, _ := rawCall(t, emu, tok, "POST", "/meetings", body); code != http.StatusBadRequest {
			t.Errorf("%s: %d", name, code)
		}
	}
	code, body := rawCall(t, emu, tok, "POST", "/meetings", "{not json")
	if code != http.StatusBadRequest || !strings.Contains(body, `"message":"invalid json"`) {
		t.Fatalf("malformed: %d %s", code, body)
	}
	if emu.MeetingCount("org1") != 0 {
		t.Fatal("invalid request created a meeting")
	}
}

// TestClientSendsExactBody checks the 7 lowercase keys, UTC times and the
// empty timezonekey on the wire.
func TestClientSendsExactBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		var got map[string]any
		f.c.hc = &http.Client{Transport: handlerTransport{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				b, _ := io.ReadAll(r.Body)
				_ = json.Unmarshal(b, &got)
				r.Body = io.NopCloser(strings.NewReader(string(b)))
			}
			f.emu.ServeHTTP(w, r)
		})}}
		berlin := time.FixedZone("CET", 3600)
		start := time.Date(2030, 3, 12, 17, 0, 0, 0, berlin)
		_, err := f.c.CreateMeeting(bg, "b1", MeetingRequest{Subject: "A<B", Start: start, End: start.Add(time.Hour),
			ConferenceCallInfo: CallHybrid})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"subject": "A&lt;B [kogge:b1]", "starttime": "2030-03-12T16:00:00Z",
			"endtime": "2030-03-12T17:00:00Z", "passwordrequired": false, "conferencecallinfo": "Hybrid",
			"timezonekey": "", "meetingtype": "scheduled"}
		if len(got) != len(want) {
			t.Fatalf("body %v", got)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
	})
}

func TestOneRunningMeetingPerOrganizer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		// Overlapping meetings may be scheduled...
		a, err1 := f.c.CreateMeeting(bg, "a", meetingAt("A", time.Hour))
		b, err2 := f.c.CreateMeeting(bg, "b", meetingAt("B", time.Hour))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		// ...but only one runs at a time.
		if u, err := f.c.StartURL(bg, a.MeetingID); err != nil || u == "" {
			t.Fatalf("start a: %q %v", u, err)
		}
		if _, err := f.c.StartURL(bg, b.MeetingID); !errors.Is(err, ErrConflict) {
			t.Fatalf("start b while a runs: %v", err)
		}
		if m, _ := f.c.GetMeeting(bg, a.MeetingID); m.Status != "ACTIVE" {
			t.Fatalf("a status %q", m.Status)
		}
		// Another organizer is a separate licence.
		c2 := f.client("org2")
		o, _ := c2.CreateMeeting(bg, "c", meetingAt("C", time.Hour))
		if _, err := c2.StartURL(bg, o.MeetingID); err != nil {
			t.Fatal(err)
		}
		f.emu.EndMeeting(a.MeetingID)
		if _, err := f.c.StartURL(bg, b.MeetingID); err != nil {
			t.Fatalf("start b after a ended: %v", err)
		}
		// The 8 h run-time limit ends a session that was never ended.
		time.Sleep(8 * time.Hour)
		if _, err := f.c.StartURL(bg, a.MeetingID); err != nil {
			t.Fatalf("b still running after 8h: %v", err)
		}
	})
}

// TestOverRealHTTP runs the client against the emulator over TCP to make
// sure nothing depends on the in-process transport.
func TestOverRealHTTP(t *testing.T) {
	emu := NewEmulator(EmulatorOptions{ClientID: testClientID, ClientSecret: testSecret})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	store := &MemoryTokenStore{}
	_ = store.Save("org1", emu.IssueToken("org1"))
	c := New(Config{BaseURL: srv.URL + "/G2M/rest", Store: store, HTTPClient: srv.Client(),
		OAuth: OAuthConfig{ClientID: testClientID, ClientSecret: testSecret, TokenURL: srv.URL + "/oauth/token"}}, "org1")
	emu.RevokeAccessTokens()
	start := time.Now().Add(time.Hour).Truncate(time.Minute)
	created, err := c.CreateMeeting(bg, "tcp-1", MeetingRequest{Subject: "TCP", Start: start, End: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.GetMeeting(bg, created.MeetingID)
	if err != nil || m.Subject != "TCP [kogge:tcp-1]" {
		t.Fatalf("%+v %v", m, err)
	}
	if err := c.DeleteMeeting(bg, created.MeetingID); err != nil {
		t.Fatal(err)
	}
}
