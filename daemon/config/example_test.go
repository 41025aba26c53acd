package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kogge-project/kogge/systemd"
)

// The shipped example must load as it is: it is what admins start from.
func TestExampleConfig(t *testing.T) {
	c, err := Parse(systemd.ExampleConfig)
	if err != nil {
		t.Fatalf("systemd/kogge.toml.example:\n%v", err)
	}
	if c.Server.PublicURL != "https://raeume.stadt.example" || len(c.Server.TrustedProxies) == 0 ||
		c.Store.DataDir != "/var/lib/kogge" || c.Log.Format != "json" || !c.Auth.RequireTOTP {
		t.Errorf("example lost its production values: %+v", c)
	}
	list, err := c.RoomList()
	if err != nil || len(list) != 2 {
		t.Fatalf("example rooms: %d, %v", len(list), err)
	}
}

// Every key of Config must appear in the example, set or commented out: an
// undocumented key is one an admin will not find. The keys come from the
// struct tags, so a new field without documentation fails here.
func TestExampleDocumentsEveryKey(t *testing.T) {
	text := string(systemd.ExampleConfig)
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		section := ct.Field(i)
		st := section.Type
		if st.Kind() == reflect.Slice {
			st = st.Elem()
		}
		keys := map[string][]int{}
		tomlFields(st, nil, keys)
		for key, idx := range keys {
			ft := st.FieldByIndex(idx).Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[Duration]() {
				// A sub-table: its own keys must be documented too.
				sub := map[string][]int{}
				tomlFields(ft, nil, sub)
				for k := range sub {
					if !containsKey(text, k) && !strings.Contains(text, "."+key+"."+k+"]") {
						t.Errorf("kogge.toml.example does not mention %s.%s.%s", section.Tag.Get("toml"), key, k)
					}
				}
			}
			if !containsKey(text, key) && !strings.Contains(text, "["+section.Tag.Get("toml")+"."+key+"]") && !strings.Contains(text, "[["+section.Tag.Get("toml")+"."+key+"]]") {
				t.Errorf("kogge.toml.example does not mention %s.%s", section.Tag.Get("toml"), key)
			}
		}
	}
}

// containsKey reports whether key is set (or shown commented out) on a line.
func containsKey(text, key string) bool {
	for line := range strings.Lines(text) {
		rest, ok := strings.CutPrefix(strings.TrimLeft(line, "# "), key)
		if ok && strings.HasPrefix(strings.TrimLeft(rest, " "), "=") {
			return true
		}
	}
	return false
}
