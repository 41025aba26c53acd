package sfu

import "time"

// Active speaker: each published audio track's RFC 6464 level is
// smoothed over about a second (upTrack.addLevel); every allocation tick
// the loudest participant above speakerFloor is the candidate, and the
// dominant speaker changes to it only when the last change is at least
// speakerHold ago and it is clearly louder than the current one. When
// nobody is above the floor for speakerQuiet, the speaker becomes "".
const (
	speakerHold = 1500 * time.Millisecond
	// speakerQuiet is how long a room must be silent before nobody is
	// the active speaker.
	speakerQuiet = 3 * time.Second
	// speakerFloor is the least smoothed loudness (127 minus dBov) of
	// a speaker: -55 dBov, above a quiet room's background.
	speakerFloor = 127 - 55
	// speakerMargin is how much louder (in dB) a candidate must be than
	// the current speaker to take over.
	speakerMargin = 3
	// levelStale is when a track's level counts as silence: DTX sends
	// no packets while nobody speaks.
	levelStale = 500 * time.Millisecond
)

func (t *upTrack) loudness(now int64) int64 {
	if t.pub.audioMuted.Load() || now-t.lastLevel.Load() > int64(levelStale) {
		return 0
	}
	return t.level.Load() >> 8
}

// chooseSpeaker runs on the allocation loop, which owns the speaker
// fields of r.
func (r *Room) chooseSpeaker(now time.Time, tracks []*upTrack, subs []subscriber) {
	ns := now.UnixNano()
	best, bestLoud, curLoud := "", int64(0), int64(0)
	for _, t := range tracks {
		if !t.audio {
			continue
		}
		l := t.loudness(ns)
		if t.pub.id == r.speaker {
			curLoud = max(curLoud, l)
		}
		if l >= speakerFloor && l > bestLoud {
			best, bestLoud = t.pub.id, l
		}
	}
	if best != "" {
		r.quietSince = time.Time{}
	} else if r.quietSince.IsZero() {
		r.quietSince = now
	}
	next := r.speaker
	switch {
	case best != "" && best != r.speaker && (r.speaker == "" || bestLoud >= curLoud+speakerMargin):
		next = best
	case best == "" && r.speaker != "" && now.Sub(r.quietSince) >= speakerQuiet:
		next = ""
	}
	if next == r.speaker || now.Sub(r.speakerAt) < speakerHold {
		return
	}
	r.speaker, r.speakerAt = next, now
	r.speakerID.Store(&next)
	for _, s := range subs {
		s.p.send(Outbound{Type: "active_speaker", ID: next})
	}
}
