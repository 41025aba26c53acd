package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestEmptyFeedStillHasAComponent(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Berlin")
	var buf bytes.Buffer
	if err := WriteFeed(&buf, Feed{Name: "leer", Zone: zone, Now: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "BEGIN:VTIMEZONE") {
		t.Fatalf("an empty feed has no component:\n%s", buf.String())
	}
}
