package tesira

import (
	"errors"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		want parsedLine
		err  bool
	}{
		{"+OK", parsedLine{kind: lineOK}, false},
		{`+OK "value":-10.000000`, parsedLine{kind: lineOK, value: "-10.000000"}, false},
		{`+OK "value":false  `, parsedLine{kind: lineOK, value: "false"}, false},
		{`+OK -10.000000`, parsedLine{kind: lineOK, value: "-10.000000"}, false},
		{`+OK "list":["Level1" "Mute 1"]`, parsedLine{kind: lineOK, value: `["Level1" "Mute 1"]`}, false},
		{`+OK "value":"4.4.1.2"`, parsedLine{kind: lineOK, value: `"4.4.1.2"`}, false},
		{`-ERR address not found: {"deviceId":0 "classCode":0 "instanceNum":0}`, parsedLine{kind: lineErr, err: `address not found: {"deviceId":0 "classCode":0 "instanceNum":0}`}, false},
		{"-ERR ALREADY_SUBSCRIBED", parsedLine{kind: lineErr, err: "ALREADY_SUBSCRIBED"}, false},
		{"-CANNOT_DELIVER", parsedLine{kind: lineErr, err: "CANNOT_DELIVER"}, false},
		{"-GENERAL_FAILURE", parsedLine{kind: lineErr, err: "GENERAL_FAILURE"}, false},
		{`! "publishToken":"lvl1" "value":-12.500000`, parsedLine{kind: linePublish, pub: Publication{"lvl1", "-12.500000"}}, false},
		{`! "publishToken":"mic 1" "value":true +OK`, parsedLine{kind: linePublish, pub: Publication{"mic 1", "true"}, okToo: true}, false},
		{`! "publishToken":"" "value":"a \"q\" +OK"`, parsedLine{kind: linePublish, pub: Publication{"", `"a \"q\" +OK"`}}, false},
		{`! "publishToken":"x" "value":[1 2 [3]]`, parsedLine{kind: linePublish, pub: Publication{"x", "[1 2 [3]]"}}, false},
		{"Mute1 get mute 1", parsedLine{kind: lineNoise}, false},
		{"", parsedLine{kind: lineNoise}, false},
		{"+OKAY", parsedLine{}, true},
		{"+?%garbled", parsedLine{}, true},
		{`+OK "value":"open`, parsedLine{}, true},
		{`+OK "value":1 2`, parsedLine{}, true},
		{`! "publishToken":"x"`, parsedLine{}, true},
		{`! "value":1`, parsedLine{}, true},
		{`! "publishToken":x "value":1`, parsedLine{}, true},
	} {
		got, err := parseLine(tc.line)
		if tc.err {
			if !errors.Is(err, ErrProtocol) {
				t.Errorf("parseLine(%q) = %+v, %v; want ErrProtocol", tc.line, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseLine(%q) = %+v, %v; want %+v", tc.line, got, err, tc.want)
		}
	}
}

func TestPublicationHelpers(t *testing.T) {
	if v, err := (Publication{Value: "true"}).Bool(); err != nil || !v {
		t.Error("Bool true")
	}
	if _, err := (Publication{Value: "1"}).Bool(); !errors.Is(err, ErrProtocol) {
		t.Error("Bool accepts 1")
	}
	if v, err := (Publication{Value: "-12.500000"}).Float(); err != nil || v != -12.5 {
		t.Error("Float")
	}
	if v := (Publication{Value: `"a \"b\""`}).Text(); v != `a "b"` {
		t.Errorf("Text %q", v)
	}
}

func TestCommandFormatting(t *testing.T) {
	for _, tc := range []struct {
		tag  string
		want string
		err  bool
	}{
		{"Level1", "Level1", false},
		{"Mic Gate", `"Mic Gate"`, false},
		{"Saal Ratssitzung", `"Saal Ratssitzung"`, false},
		{"", "", true},
		{"a/b", "", true},
		{"a&b", "", true},
		{`a"b`, "", true},
		{"a\nb", "", true},
		{"a\xffb", "", true},
	} {
		got, err := word(tc.tag, true)
		if tc.err != (err != nil) || got != tc.want {
			t.Errorf("word(%q) = %q, %v", tc.tag, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("word(%q): %v is not ErrInvalidArgument", tc.tag, err)
		}
	}
	if s, _ := formatLevel(-12.5); s != "-12.5" {
		t.Errorf("formatLevel = %q", s)
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"+OK", `+OK "value":-10.000000`, `+OK "list":["Level1" "Mute1"]`, "-ERR WRONG_STATE",
		`! "publishToken":"lvl1" "value":-8.000000`, `! "publishToken":"a" "value":true +OK`,
		`! "publishToken":"\"" "value":{"a":[1 "]"]}`, "+OK \"", "! \"", "-", "+", "!",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p, err := parseLine(line)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("error %v is not ErrProtocol", err)
			}
			return
		}
		switch p.kind {
		case lineOK:
			if !strings.Contains(line, p.value) {
				t.Fatalf("value %q not in %q", p.value, line)
			}
		case linePublish:
			// What was read can be written back and read again.
			q, err := parseLine(publishLine(p.pub.Token, p.pub.Value))
			if err != nil || q.pub != p.pub {
				t.Fatalf("round trip of %+v: %+v, %v", p.pub, q.pub, err)
			}
		}
	})
}
