package signaling

import (
	"errors"
	"fmt"
)

// viewMsg is the client's view: the largest size at which it shows each
// received video track (PROTOCOL.md). It replaces the previous view; a
// track not listed is hidden.
type viewMsg struct {
	Tracks []TrackView `json:"tracks"`
}

// TrackView is one entry of a view: a forwarded track (the publisher's
// own track id) and its displayed size in device pixels (0×0: hidden).
type TrackView struct {
	Track  string `json:"track"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

const (
	// maxViewTracks bounds a view: more than any meeting forwards
	// (participants × tracks each).
	maxViewTracks = 1024
	// maxViewSide bounds a displayed width or height (8K and then some).
	maxViewSide = 16384
)

func (m *viewMsg) validate() error {
	if m.Tracks == nil {
		return errors.New("tracks missing")
	}
	if len(m.Tracks) > maxViewTracks {
		return fmt.Errorf("more than %d tracks", maxViewTracks)
	}
	for _, v := range m.Tracks {
		if v.Track == "" || len(v.Track) > maxIDLen {
			return errors.New("track missing or too long")
		}
		if v.Width < 0 || v.Height < 0 || v.Width > maxViewSide || v.Height > maxViewSide {
			return errors.New("width or height out of range")
		}
	}
	return nil
}

// viewSetter is a MediaPeer that chooses layers by what the client shows
// (the SFU's simulcast). A peer without it takes the view as read: every
// client sends views, whatever the SFU can do with them. TrackView has
// the fields of the SFU's own view type, so an adapter converts each
// entry as it is.
type viewSetter interface {
	SetView(tracks []TrackView)
}

// view hands the client's view to its peer, if the peer wants it.
func (c *conn) view(msg *viewMsg) {
	p := c.mediaPeer()
	if p == nil {
		c.sendError(codeNotJoined, "media starts once you have joined", "view")
		return
	}
	if v, ok := p.(viewSetter); ok {
		v.SetView(msg.Tracks)
	}
}
