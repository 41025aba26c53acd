package signaling

import (
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in, typ string
		ok      bool
	}{
		{`{"type":"hello","version":1,"token":"t","name":"A"}`, "hello", true},
		{`{"type":"offer","pc":"up","sdp":"v=0"}`, "offer", true},
		{`{"type":"offer","pc":"up"}`, "offer", false},
		{`{"type":"answer","pc":"up","sdp":"v=0"}`, "answer", false},
		{`{"type":"candidate","pc":"side","candidate":{"candidate":"c"}}`, "candidate", false},
		{`{"type":"candidate","pc":"up"}`, "candidate", false},
		{`{"type":"candidate","pc":"up","candidate":{"candidate":"c","sdpMid":"0","sdpMLineIndex":0}}`, "candidate", true},
		{`{"type":"mute","muted":true,"extra":1}`, "mute", true},
		{`{"type":"hand"}`, "hand", false},
		{`{"type":"admit"}`, "admit", false},
		{`{"type":"admit","all":true}`, "admit", true},
		{`{"type":"admit","id":"` + strings.Repeat("x", maxIDLen+1) + `"}`, "admit", false},
		{`{"type":"deny","id":"x","reason":"` + strings.Repeat("ü", maxReasonLen) + `"}`, "deny", true},
		{`{"type":"deny","id":"x","reason":"` + strings.Repeat("ü", maxReasonLen+1) + `"}`, "deny", false},
		{`{"type":"remove","id":"x","reason":"a\u0000b"}`, "remove", false},
		{`{"type":"queue","action":"remove"}`, "queue", false},
		{`{"type":"queue","action":"next"}`, "queue", true},
		{`{"type":"lock"}`, "lock", false},
		{`{"type":"present","action":"start","track":"t1"}`, "present", true},
		{`{"type":"present","action":"start"}`, "present", false},
		{`{"type":"present","action":"start","track":"t1","id":"x"}`, "present", false},
		{`{"type":"present","action":"stop"}`, "present", true},
		{`{"type":"present","action":"stop","id":"x"}`, "present", true},
		{`{"type":"present","action":"pause"}`, "present", false},
		{`{"type":"allow_present","id":"x","allowed":false}`, "allow_present", true},
		{`{"type":"allow_present","id":"x"}`, "allow_present", false},
		{`{"type":"view","tracks":[]}`, "view", true},
		{`{"type":"view","tracks":[{"track":"t1","width":640,"height":360},{"track":"t2","width":0,"height":0}]}`, "view", true},
		{`{"type":"view"}`, "view", false},
		{`{"type":"view","tracks":[{"track":"","width":640,"height":360}]}`, "view", false},
		{`{"type":"view","tracks":[{"track":"t1","width":-1,"height":360}]}`, "view", false},
		{`{"type":"view","tracks":[{"track":"t1","width":99999,"height":360}]}`, "view", false},
		{`{"type":"nope"}`, "nope", false},
		{`[]`, "", false},
		{`{"type":1}`, "", false},
	}
	for _, tc := range cases {
		typ, msg, err := parse([]byte(tc.in))
		if typ != tc.typ || (err == nil) != tc.ok || (msg != nil) != tc.ok {
			t.Errorf("parse(%.60s) = %q, %v, %v", tc.in, typ, msg, err)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		" Anna ":                   "Anna",
		"Jörg Müller-Lüdenscheidt": "Jörg Müller-Lüdenscheidt",
		strings.Repeat("a", 64):    strings.Repeat("a", 64),
		"":                         "",
		"\t\n":                     "",
		strings.Repeat("a", 65):    "",
		"a\x1bb":                   "",
		"a\u0085b":                 "",
		"\xff":                     "",
	} {
		got, err := cleanName(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("cleanName(%q) = %q, %v", in, got, err)
		}
	}
}

func TestCloseCodes(t *testing.T) {
	for reason, code := range map[string]int{
		ReasonEnded: 1000, ReasonRemoved: 1000, ReasonDenied: 1000, ReasonLeft: 1000,
		ReasonShutdown: 1001, ReasonInvalidToken: 1008, ReasonNotOpen: 1008, ReasonPINWrong: 1008,
		ReasonPINRequired: 1008, ReasonExternal: 1008, ReasonVersion: 1008, ReasonProtocol: 1008,
		ReasonError: 1011, ReasonFull: 1013, ReasonLocked: 1013, ReasonRateLimited: 1013, ReasonSlow: 1013,
	} {
		if got := closeCode(reason); got != code {
			t.Errorf("closeCode(%s) = %d, want %d", reason, got, code)
		}
		if defaultMessages[reason] == "" {
			t.Errorf("no default message for %s", reason)
		}
	}
	if pongWait <= 2*pingPeriod || websocket.CloseMessageTooBig != 1009 {
		t.Fatal("pong wait must cover two pings")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","version":1,"token":"t","name":"A"}`,
		`{"type":"candidate","pc":"up","candidate":{"candidate":"c","sdpMid":"0","sdpMLineIndex":0}}`,
		`{"type":"queue","action":"remove","id":"x"}`,
		`{"type":"deny","id":"x","reason":"r"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, msg, err := parse(data)
		if (err == nil) != (msg != nil) {
			t.Fatalf("parse(%q) = %v, %v", data, msg, err)
		}
		if err == nil && inbound[typ] == nil {
			t.Fatalf("accepted unknown type %q", typ)
		}
	})
}
