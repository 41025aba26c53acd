package store

// The utilisation report at the store level: UsageHistory plus
// usage.Compute over 50,000 bookings and 200,000 audit entries. Run
//
//	go test -run '^$' -bench Usage -benchtime 20x ./rooms/store

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
	"github.com/kogge-project/kogge/rooms/usage"
)

const (
	usageBookings = 50_000
	usageAudit    = 200_000
)

// usageStore holds usageBookings bookings spread over days (in 40 rooms,
// 08:00–18:00, 40 minutes each, a third of them hybrid with a GoTo
// licence) and usageAudit audit entries about them: create, check-in,
// early ends, meeting joins and leaves.
func usageStore(b *testing.B, days int) (*Store, time.Time) {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "kogge.db"), Options{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	end := t0.Truncate(24 * time.Hour)
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	roomsN := 40
	perDay := usageBookings / days
	perRoom := (perDay + roomsN - 1) / roomsN
	slot := 10 * time.Hour / time.Duration(perRoom)
	audits := 0
	const chunk = 5000
	for lo := 0; lo < usageBookings; lo += chunk {
		err := s.db.Update(func(tx *kv.Tx) error {
			for i := lo; i < min(lo+chunk, usageBookings); i++ {
				d, r := i/perDay, (i%perDay)%roomsN
				k := (i % perDay) / roomsN
				st := start.Add(time.Duration(d)*24*time.Hour + 8*time.Hour + time.Duration(k)*slot)
				bk := at(fmt.Sprintf("raum-%02d", r), st, slot*2/3)
				bk.Kind = rooms.Kinds[i%4]
				bk.Status = rooms.StatusEnded
				bk.CheckinRequired = i%5 == 0
				if i%17 == 0 {
					bk.Status = rooms.StatusReleased
				}
				bk.Hybrid.Enabled = i%3 == 0
				id, err := s.ids.next(st)
				if err != nil {
					return err
				}
				bk.ID, bk.Version, bk.Created, bk.Updated = id.String(), 1, st, st
				bk.Start, bk.End = bk.Start.UTC(), bk.End.UTC()
				if err := putBooking(tx, &bk, id); err != nil {
					return err
				}
				if err := putIndexes(tx, &bk, id); err != nil {
					return err
				}
				if bk.Hybrid.Enabled {
					a := Allocation{Provider: "gotomeeting", Licence: fmt.Sprintf("L%03d", r), From: bk.OccupiedFrom(), To: bk.OccupiedUntil(), State: AllocReleased} // released when the meeting ended, as the broker does
					if _, refused, err := writeAlloc(tx, id, nil, a, st); err != nil || refused != nil {
						return fmt.Errorf("allocation: %v %v", err, refused)
					}
				}
				actions := []string{ActionCreate, "checkin", "finish", "meeting.join"}
				if i%7 == 0 {
					actions[2] = actionEnd
				}
				if !bk.Hybrid.Enabled {
					actions[3] = "update"
				}
				for j, act := range actions {
					e := AuditEntry{Time: st.Add(time.Duration(j) * time.Minute), Actor: "Amt 10", Action: act, BookingID: bk.ID}
					if act == actionEnd {
						e.Changes = map[string]Change{"end": {Before: timeText(bk.End.Add(10 * time.Minute)), After: timeText(bk.End)}}
					}
					aid, err := s.ids.next(e.Time)
					if err != nil {
						return err
					}
					e.ID = ulid.ULID(aid).String()
					if err := appendAudit(tx, e); err != nil {
						return err
					}
					audits++
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if audits != usageAudit {
		b.Fatalf("%d audit entries", audits)
	}
	return s, end
}

func benchUsage(b *testing.B, days int) {
	s, end := usageStore(b, days)
	var roomList []rooms.Room
	for r := range 40 {
		room := rooms.Room{ID: fmt.Sprintf("raum-%02d", r), Name: fmt.Sprintf("Raum %d", r), Zone: time.UTC}
		for wd := range 7 {
			room.Hours.Days[wd] = true
		}
		room.Hours.From, room.Hours.Until = 8*time.Hour, 18*time.Hour
		roomList = append(roomList, room)
	}
	from := end.Add(-90 * 24 * time.Hour)
	in := usage.Input{From: rooms.DateOf(from, time.UTC), To: rooms.DateOf(end.Add(-time.Hour), time.UTC), Zone: time.UTC, Rooms: roomList,
		Providers: []usage.Provider{{Name: "builtin"}, {Name: "gotomeeting", Pool: 100, YearlyCost: 12000}}}
	var n, runs int
	// CPU time as well as wall time: on a shared machine the wall time
	// says as much about the neighbours as about the report.
	cpu0 := cpuTime()
	for b.Loop() {
		runs++
		ms, err := s.UsageHistory(from, end)
		if err != nil {
			b.Fatal(err)
		}
		in.Meetings = ms
		rep := usage.Compute(in)
		n = len(ms)
		if len(rep.Licences) != 1 || rep.Licences[0].Peak == 0 {
			b.Fatalf("licences %+v", rep.Licences)
		}
	}
	b.ReportMetric(float64(n), "meetings")
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(max(runs, 1)), "cpu-ms/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkUsageReport90of365: the 50,000 bookings span a year; the
// report reads the last 90 days (about 12,300 of them).
func BenchmarkUsageReport90of365(b *testing.B) { benchUsage(b, 365) }

// BenchmarkUsageReport90of90: all 50,000 bookings and 200,000 audit
// entries lie in the 90 days of the report.
func BenchmarkUsageReport90of90(b *testing.B) { benchUsage(b, 90) }
