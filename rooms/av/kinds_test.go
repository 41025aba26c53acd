package av

import (
	"strings"
	"testing"
)

func TestCheckCommand(t *testing.T) {
	cases := []struct {
		kind string
		cmd  Command
		want string // "" = valid
	}{
		{KindPJLink, Command{Name: "power", Args: map[string]string{"on": "true"}}, ""},
		{KindPJLink, Command{Name: "power", Args: map[string]string{"on": "maybe"}}, "on must be true or false"},
		{KindPJLink, Command{Name: "power"}, `needs the argument "on"`},
		{KindPJLink, Command{Name: "zoom"}, `no command "zoom"`},
		{KindVISCAIP, Command{Name: "preset.recall", Args: map[string]string{"preset": "200"}}, "from 0 to 127"},
		{KindVISCAIP, Command{Name: "pan", Args: map[string]string{"direction": "up-left", "speed": "8"}}, ""},
		{KindVISCAIP, Command{Name: "pan", Args: map[string]string{"direction": "tele"}}, "direction must be one of up"},
		{KindVISCATCP, Command{Name: "zoom", Args: map[string]string{"direction": "wide"}}, ""},
		{KindTesira, Command{Name: "level", Args: map[string]string{"tag": "Mics", "channel": "1", "db": "-20.5"}}, ""},
		{KindTesira, Command{Name: "level", Args: map[string]string{"tag": "Mics", "channel": "x", "db": "0"}}, "channel must be a whole number"},
		{KindTesira, Command{Name: "mute", Args: map[string]string{"tag": "Mics\r\nDEVICE reboot", "channel": "1", "mute": "true"}}, "is not valid"},
		{KindTesira, Command{Name: "mute", Args: map[string]string{"tag": "Mics", "channel": "1", "mute": "true", "extra": "1"}}, `unknown argument "extra"`},
	}
	for _, c := range cases {
		err := CheckCommand(c.kind, c.cmd)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %+v: %v", c.kind, c.cmd, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %+v: %v, want %q", c.kind, c.cmd, err, c.want)
		}
	}
}

func TestNormaliseAddress(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.4.21": "10.0.4.21:4352", "10.0.4.21:4353": "10.0.4.21:4353", "::1": "[::1]:4352", "[::1]": "[::1]:4352",
		"[::1]:99": "[::1]:99", "beamer.rathaus.local": "beamer.rathaus.local:4352",
	} {
		if got, err := NormaliseAddress(KindPJLink, in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "10.0.0.1:0", "10.0.0.1:99999", "a b"} {
		if _, err := NormaliseAddress(KindPJLink, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
