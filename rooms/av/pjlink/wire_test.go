package pjlink

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

// The spec's authentication test vector (§3.2).
func TestDigestSpecVector(t *testing.T) {
	if got := digest("498e4a67", "JBMIAProjectorLink"); got != "5d8409bc1c3fa39749434aa3a5c38682" {
		t.Fatalf("digest = %s", got)
	}
}

func TestParseReply(t *testing.T) {
	for _, tc := range []struct {
		line string
		want reply
		err  error
	}{
		{"%1POWR=OK", reply{'1', "POWR", "OK"}, nil},
		{"%1POWR=1", reply{'1', "POWR", "1"}, nil},
		{"%2INNM=HDMI 1", reply{'2', "INNM", "HDMI 1"}, nil},
		{"%1NAME=", reply{'1', "NAME", ""}, nil},
		{"%1INPT=ERR1", reply{'1', "INPT", "ERR1"}, ErrUndefinedCommand},
		{"%1INPT=ERR2", reply{'1', "INPT", "ERR2"}, ErrOutOfParameter},
		{"%1INPT=ERR3", reply{'1', "INPT", "ERR3"}, ErrUnavailableTime},
		{"%1ERST=ERR4", reply{'1', "ERST", "ERR4"}, ErrProjectorFailure},
		{"PJLINK ERRA", reply{}, ErrAuth},
	} {
		got, err := parseReply(tc.line)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("parseReply(%q) = %v, %v; want %v, %v", tc.line, got, err, tc.want, tc.err)
		}
	}
	for _, bad := range []string{"", "%", "%1POWR", "%1POWR 1", "%3POWR=1", "%1powr=1", "#1POWR=1", "%1POWR=\x00", "PJLINK 0", "%1POW=1"} {
		var pe *ProtocolError
		if _, err := parseReply(bad); !errors.As(err, &pe) {
			t.Errorf("parseReply(%q) = %v, want ProtocolError", bad, err)
		}
	}
}

func TestProtocolErrorTruncates(t *testing.T) {
	err := newProtocolError("not a PJLink reply", strings.Repeat("x", 1000))
	if len(err.Error()) > 200 || !strings.Contains(err.Error(), `"xxxx`) {
		t.Fatalf("error = %s", err)
	}
}

func TestParseGreeting(t *testing.T) {
	if seed, auth, err := parseGreeting("PJLINK 1 498e4a67"); seed != "498e4a67" || !auth || err != nil {
		t.Errorf("auth greeting: %q %v %v", seed, auth, err)
	}
	if _, auth, err := parseGreeting("PJLINK 0"); auth || err != nil {
		t.Errorf("no-auth greeting: %v %v", auth, err)
	}
	if _, _, err := parseGreeting("PJLINK ERRA"); !errors.Is(err, ErrAuth) {
		t.Errorf("ERRA greeting: %v", err)
	}
	for _, bad := range []string{"", "PJLINK 1", "PJLINK 1 abc", "PJLINK 1 498e4a6 ", "PJLINK 2", "hello"} {
		if _, _, err := parseGreeting(bad); err == nil {
			t.Errorf("parseGreeting(%q) accepted", bad)
		}
	}
}

// Lines are bounded: exactly maxReplyLine bytes is fine, one more is a
// protocol error, not a growing buffer.
func TestReadLineLimit(t *testing.T) {
	ok := strings.Repeat("a", maxReplyLine)
	line, err := readLine(bufio.NewReader(strings.NewReader(ok+"\r")), maxReplyLine)
	if err != nil || line != ok {
		t.Fatalf("at the limit: %v", err)
	}
	var pe *ProtocolError
	if _, err := readLine(bufio.NewReader(strings.NewReader(ok+"a\r")), maxReplyLine); !errors.As(err, &pe) {
		t.Fatalf("over the limit: %v", err)
	}
	// Several lines in one segment come out one by one.
	br := bufio.NewReader(strings.NewReader("%1POWR=OK\r%1POWR=1\r"))
	a, _ := readLine(br, maxReplyLine)
	b, _ := readLine(br, maxReplyLine)
	if a != "%1POWR=OK" || b != "%1POWR=1" {
		t.Fatalf("got %q %q", a, b)
	}
}

func TestParseValues(t *testing.T) {
	lamps, err := parseLamps("1500 1 2300 0")
	if err != nil || len(lamps) != 2 || lamps[0] != (Lamp{1500, true}) || lamps[1] != (Lamp{2300, false}) {
		t.Errorf("lamps = %v, %v", lamps, err)
	}
	for _, bad := range []string{"", "1500", "1500 2", "-1 1", "a 1", strings.Repeat("1 1 ", 9) + "1 1"} {
		if _, err := parseLamps(bad); err == nil {
			t.Errorf("parseLamps(%q) accepted", bad)
		}
	}
	s, err := parseErrorStatus("012000")
	if err != nil || s != (ErrorStatus{Lamp: LevelWarning, Temperature: LevelError}) || s.String() != "012000" || s.OK() {
		t.Errorf("status = %+v, %v", s, err)
	}
	for _, bad := range []string{"", "00000", "0000000", "000003", "00000a"} {
		if _, err := parseErrorStatus(bad); err == nil {
			t.Errorf("parseErrorStatus(%q) accepted", bad)
		}
	}
	if _, err := parsePower("4"); err == nil {
		t.Error("power 4 accepted")
	}
}

// FuzzParseReply: the parser never panics, and whatever it accepts is
// exactly what it would write back.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"%1POWR=OK", "%2INNM=HDMI 1", "%1INPT=ERR3", "PJLINK ERRA", "%1LAMP=1500 1 2300 0", "", "%", "%1POWR=\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, err := parseReply(line)
		// A parsed reply (device errors included) has its body set.
		if r.body != "" && r.String() != line {
			t.Fatalf("parseReply(%q) = %q", line, r.String())
		}
		if err == nil {
			parsePower(r.value)
			parseLamps(r.value)
			parseErrorStatus(r.value)
		}
	})
}
