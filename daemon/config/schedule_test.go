package config

import (
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

const oneRoom = "[[rooms]]\nid = \"a\"\nname = \"A\"\ncapacity = 3\n"

func TestScheduleProblems(t *testing.T) {
	cases := []struct {
		name, toml string
		want       []string
	}{
		{"bad schedule", "[[jobs]]\nname = \"b\"\nschedule = \"61 * * * *\"\naction = \"purge\"\n",
			[]string{"jobs[0].schedule: "}},
		{"unknown action and bad name", "[[jobs]]\nname = \"Nightly Backup\"\nschedule = \"@daily\"\naction = \"reboot\"\n",
			[]string{`jobs[0].name: "Nightly Backup" is not a valid name`, `jobs[0].action: "reboot" is not an action`}},
		{"backup without dir", "[[jobs]]\nname = \"b\"\nschedule = \"@daily\"\naction = \"backup\"\nkeep = 0\n",
			[]string{"jobs[0].dir: required", "jobs[0].keep: must be between 1 and 1000, not 0"}},
		{"duplicate names", "[[jobs]]\nname = \"p\"\nschedule = \"@daily\"\naction = \"purge\"\n[[jobs]]\nname = \"p\"\nschedule = \"@daily\"\naction = \"purge\"\n",
			[]string{`jobs[1].name: "p" is already the name of jobs[0]`}},
		{"closure dates", "[[closures]]\nfrom = \"24.12.2026\"\n[[closures]]\nfrom = \"2026-12-26\"\nto = \"2026-12-24\"\n",
			[]string{`closures[0].from: "24.12.2026" is not a date`, "closures[1].to: 2026-12-24 is before from 2026-12-26"}},
		{"horizon and retention", "[series]\nhorizon_months = 0\n[retention]\ninterview = \"1h\"\n",
			[]string{"series.horizon_months: must be between 1 and 120, not 0", "retention.interview: must be at least 24h, not 1h"}},
		{"room timeline", oneRoom + "prep_lead = \"3h\"\ncheckin_grace = \"0s\"\n",
			[]string{"rooms[0].prep_lead: must be between 0s and 2h, not 3h", "rooms[0].checkin_grace: must be between 1m and 2h, not 0s"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := c.toml
			if !strings.Contains(doc, "[[rooms]]") {
				doc += oneRoom
			}
			_, err := Parse([]byte(doc))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems lack %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestScheduleDefaultsWarningsAndConversion(t *testing.T) {
	cfg, err := Parse([]byte(oneRoom + "checkin_required = true\n" +
		"[[jobs]]\nname = \"b\"\nschedule = \"30 2 * * *\"\naction = \"backup\"\ndir = \"/srv/b\"\n" +
		"[[jobs]]\nname = \"h\"\nschedule = \"*/10 * * * *\"\naction = \"extend-series\"\n" +
		"[[closures]]\nfrom = \"2026-12-24\"\nto = \"2026-12-26\"\nbuilding = \"Rathaus\"\nreason = \"Weihnachten\"\n" +
		"[[closures]]\nfrom = \"2027-01-01\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if j := cfg.Jobs[0]; j.Zone != rooms.DefaultZone || j.Keep != DefaultBackupKeep {
		t.Errorf("job defaults: %+v", j)
	}
	w := cfg.Warnings()
	if len(w) != 1 || w[0].Path != "jobs[0].schedule" || !strings.Contains(w[0].Message, "spring-forward") {
		t.Errorf("warnings %v: want one for the 02:30 job only", w)
	}
	cl := cfg.ClosureList()
	if len(cl) != 2 || cl[0].From != (rooms.Date{Year: 2026, Month: 12, Day: 24}) || cl[0].To.Day != 26 || cl[0].Building != "Rathaus" ||
		cl[1].To != cl[1].From {
		t.Errorf("closures %+v", cl)
	}
	rs, _ := cfg.RoomList()
	if r := rs[0]; r.PrepLeadOrDefault() != rooms.DefaultPrepLead || r.CheckinGrace != rooms.DefaultCheckinGrace || !r.CheckinRequired {
		t.Errorf("room timeline settings %+v", r)
	}
	if cfg.Series.HorizonMonths != 18 || cfg.Retention.For(rooms.KindInterview) != DefaultRetentionInterview ||
		cfg.Retention.For(rooms.KindMeeting) != 730*24*time.Hour {
		t.Errorf("series/retention defaults %+v %+v", cfg.Series, cfg.Retention)
	}
}

func TestParseScheduleNeverPanics(t *testing.T) {
	for _, spec := range []string{"", "@every", "@every -5m", "* * * * * * *", "0 0 31 2 *", "@yearly", "TZ=Mars/Base 0 0 * * *"} {
		_, _ = ParseSchedule(spec) // must not panic
	}
	if _, err := ParseSchedule("@every 10m"); err != nil {
		t.Fatal(err)
	}
}

func TestOParlSection(t *testing.T) {
	cfg, err := Parse([]byte(oneRoom + "[oparl]\nendpoint = \"https://ris.example/oparl/v1/system\"\nbody = \"05315000\"\nkinds = { Parlament = \"council\" }\ndefault_length = \"3h\"\n[[oparl.locations]]\nmatch = \"Ratssaal\"\nroom = \"a\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := cfg.OParl.Mapping()
	if m.Body != "05315000" || m.Locations[0].Room != "a" || m.KindByClassification["Parlament"] != rooms.KindCouncil || m.DefaultLength != 3*time.Hour {
		t.Fatalf("mapping %+v", m)
	}
	_, err = Parse([]byte(oneRoom + "[oparl]\nendpoint = \"ftp://x\"\nkinds = { Parlament = \"party\" }\n[[oparl.locations]]\nmatch = \"\"\nroom = \"keller\"\n"))
	for _, want := range []string{"oparl.endpoint: \"ftp://x\" is not an http(s) URL", "oparl.body: required", "oparl.locations[0].match: required", `oparl.locations[0].room: "keller" is not a room`, `oparl.kinds.Parlament: "party" is not a booking kind`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}

func TestMailSection(t *testing.T) {
	if _, err := Parse([]byte(oneRoom + "[mail]\nhost = \"smtp.stadt.example\"\nfrom = \"Raumbuchung <raumbuchung@stadt.example>\"\n")); err != nil {
		t.Fatal(err)
	}
	_, err := Parse([]byte(oneRoom + "[mail]\nhost = \"smtp.stadt.example\"\nfrom = \"nobody\"\nallow_plain = true\n"))
	for _, want := range []string{`mail.from: "nobody" is not a mail address`, "mail.allow_plain: only for a relay on this machine"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}
