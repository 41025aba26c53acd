package broker

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var (
	tFrom = time.Date(2030, 3, 12, 15, 45, 0, 0, time.UTC)
	tTo   = tFrom.Add(2*time.Hour + 30*time.Minute)
)

// heldBusy reports the listed "provider/licence" pairs as held.
func heldBusy(held ...string) func(p, l string, from, to time.Time) (bool, error) {
	return func(p, l string, _, _ time.Time) (bool, error) {
		for _, h := range held {
			if h == p+"/"+l {
				return true, nil
			}
		}
		return false, nil
	}
}

func TestChoose(t *testing.T) {
	small := builtinP(10)
	gt := gotoP("org1", "org2")
	gtConf := gt // misconfigured: GoTo marked confidential_ok
	gtConf.ConfidentialOK = true
	px := pexipP()
	px.DialIn = false
	static := Provider{Name: "dfn", Kind: KindPexip, MaxParticipants: 25, Licences: []string{"r1", "r2"}, ConfidentialOK: true}
	all := []Provider{small, gt, px}
	req := func(conf bool, n int) Request {
		return Request{Confidential: conf, Participants: n, From: tFrom, To: tTo, Duration: 2 * time.Hour}
	}
	long := req(false, 20)
	long.Duration = 9 * time.Hour
	dial := req(false, 5)
	dial.DialIn = true
	allHeld := heldBusy("gotomeeting/org1", "gotomeeting/org2")
	downGoTo := func(n string) bool { return n == "gotomeeting" }
	tests := []struct {
		name      string
		providers []Provider
		req       Request
		busy      func(p, l string, from, to time.Time) (bool, error)
		down      func(string) bool
		exclude   []string
		want, lic string
		reasons   []string // substrings, one per provider, when nothing fits
	}{
		{name: "small meeting stays builtin", providers: all, req: req(false, 5), want: "builtin"},
		{name: "exactly the maximum fits", providers: all, req: req(false, 10), want: "builtin"},
		{name: "too large goes to GoTo, first organizer", providers: all, req: req(false, 40), want: "gotomeeting", lic: "org1"},
		{name: "first organizer held: second", providers: all, req: req(false, 40), busy: heldBusy("gotomeeting/org1"), want: "gotomeeting", lic: "org2"},
		{name: "pool exhausted spills to pexip", providers: all, req: req(false, 40), busy: allHeld, want: "pexip"},
		{name: "confidential skips GoTo", providers: all, req: req(true, 40), want: "pexip"},
		{name: "confidential never GoTo even if configured", providers: []Provider{small, gtConf}, req: req(true, 40),
			reasons: []string{"40 participants exceed its maximum of 10", "never go to GoToMeeting"}},
		{name: "confidential small on builtin", providers: []Provider{gt, small}, req: req(true, 3), want: "builtin"},
		{name: "confidential needs confidential_ok", providers: []Provider{{Name: "x", Kind: KindPexip}}, req: req(true, 3),
			reasons: []string{"confidential meetings stay on providers marked confidential_ok"}},
		{name: "duration over GoTo's 8h", providers: all, req: long, want: "pexip"},
		{name: "dial-in needed", providers: all, req: dial, want: "gotomeeting", lic: "org1"},
		{name: "dial-in nowhere", providers: []Provider{small, px}, req: dial,
			reasons: []string{"no dial-in", "no dial-in"}},
		{name: "excluded after failure", providers: all, req: req(false, 40), exclude: []string{"gotomeeting"}, want: "pexip"},
		{name: "marked down", providers: all, req: req(false, 40), down: downGoTo, want: "pexip"},
		{name: "excluded and down: nothing", providers: []Provider{small, gt}, req: req(false, 5), exclude: []string{"builtin"}, down: downGoTo,
			reasons: []string{"excluded after failure", "marked down"}},
		{name: "static rooms: first free", providers: []Provider{static}, req: req(true, 20), busy: heldBusy("dfn/r1"), want: "dfn", lic: "r2"},
		{name: "static rooms: all held", providers: []Provider{static}, req: req(false, 20), busy: heldBusy("dfn/r1", "dfn/r2"),
			reasons: []string{"all 2 licences are held between 2030-03-12 15:45 and 2030-03-12 18:15 UTC"}},
		{name: "static rooms: too small", providers: []Provider{static}, req: req(false, 40),
			reasons: []string{"40 participants exceed its maximum of 25"}},
		{name: "no maximum means any size", providers: []Provider{{Name: "u", Kind: KindPexip}}, req: req(false, 5000), want: "u"},
		{name: "no providers", providers: nil, req: req(false, 1), reasons: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, lic, err := Choose(tc.providers, tc.req, tc.busy, tc.down, tc.exclude)
			if tc.reasons != nil {
				var npe *NoProviderError
				if !errors.As(err, &npe) {
					t.Fatalf("got %s/%s, %v; want NoProviderError", p.Name, lic, err)
				}
				if len(npe.Reasons) != len(tc.reasons) {
					t.Fatalf("reasons %+v, want %d", npe.Reasons, len(tc.reasons))
				}
				for i, want := range tc.reasons {
					r := npe.Reasons[i]
					if !strings.Contains(r.Why, want) {
						t.Errorf("reason %d = %q, want %q", i, r.Why, want)
					}
					// The daemon words the code and its values in the reader's language.
					if r.Code == "" || r.Kind == "" || r.Provider == "" {
						t.Errorf("reason %d = %+v: no code, kind or provider", i, r)
					}
					if r.Code == ReasonLicences && (r.Args["count"] != 2 || r.Args["from"].(time.Time).Location() != time.UTC) {
						t.Errorf("licence reason args %v", r.Args)
					}
				}
				return
			}
			if err != nil || p.Name != tc.want || lic != tc.lic {
				t.Fatalf("got %q/%q, %v; want %q/%q", p.Name, lic, err, tc.want, tc.lic)
			}
		})
	}
}

func TestChooseBusyError(t *testing.T) {
	boom := errors.New("boom")
	_, _, err := Choose([]Provider{gotoP("o")}, Request{Participants: 2}, func(string, string, time.Time, time.Time) (bool, error) {
		return false, boom
	}, nil, nil)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func TestNoProviderErrorText(t *testing.T) {
	e := &NoProviderError{Reasons: []Reason{{Provider: "builtin", Why: "40 participants exceed its maximum of 25"}, {Provider: "gotomeeting", Why: "all 100 licences are held"}}}
	want := "no provider fits this meeting: builtin: 40 participants exceed its maximum of 25; gotomeeting: all 100 licences are held"
	if e.Error() != want {
		t.Fatalf("%q", e.Error())
	}
	if got := fmtDur(8 * time.Hour); got != "8h" {
		t.Fatalf("fmtDur = %q", got)
	}
	if got := fmtDur(90 * time.Minute); got != "1h30m" {
		t.Fatalf("fmtDur = %q", got)
	}
}

func TestRefs(t *testing.T) {
	id := "01JQ0000000000000000000000"
	r1 := NextRef(id, nil)
	if r1 != id+"-1" || !IsRef(r1) {
		t.Fatalf("first ref %q", r1)
	}
	for _, bad := range []string{"", "x-1", id, id + "-0", id + "-", strings.ToLower(id) + "-1", fmt.Sprintf("%s-%d", id, 1234567890)} {
		if IsRef(bad) {
			t.Errorf("IsRef(%q)", bad)
		}
	}
}
