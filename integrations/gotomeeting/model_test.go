package gotomeeting

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSubjectWithRef(t *testing.T) {
	s, err := subjectWithRef("Bauausschuss <öffentlich>", "b-42")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Bauausschuss &lt;öffentlich&gt; [kogge:b-42]"; s != want {
		t.Fatalf("got %q want %q", s, want)
	}
	if ref, ok := ReferenceOf(s); !ok || ref != "b-42" {
		t.Fatalf("ReferenceOf = %q %v", ref, ok)
	}
	long, err := subjectWithRef(strings.Repeat("ä", 90)+"<x>", "ref-1")
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(long); n > MaxSubject {
		t.Fatalf("subject has %d runes", n)
	}
	if ref, _ := ReferenceOf(long); ref != "ref-1" {
		t.Fatalf("reference lost in %q", long)
	}
	// Truncation must not leave half an escape ("&l").
	cut, _ := subjectWithRef(strings.Repeat("a", 84)+"<<<<", "r")
	if strings.HasSuffix(strings.TrimSuffix(cut, refTag("r")), "&l") || utf8.RuneCountInString(cut) > MaxSubject {
		t.Fatalf("bad truncation %q", cut)
	}
	if _, err := subjectWithRef("x", "bad ref]"); err == nil {
		t.Fatal("reference with spaces accepted")
	}
	if _, ok := ReferenceOf("plain subject"); ok {
		t.Fatal("reference found in plain subject")
	}
}

func TestMeetingIDNumberOrString(t *testing.T) {
	var v struct{ A, B MeetingID }
	if err := json.Unmarshal([]byte(`{"A":123456789,"B":"987654321"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 123456789 || v.B != 987654321 {
		t.Fatalf("got %v", v)
	}
}
