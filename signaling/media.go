package signaling

import (
	"log/slog"

	"github.com/kogge-project/kogge/signaling/sfu"
)

// SFU adapts the media engine.
func SFU(e *sfu.Engine) MediaEngine { return sfuEngine{e} }

type sfuEngine struct{ e *sfu.Engine }

func (s sfuEngine) NewRoom(id string, log *slog.Logger) MediaRoom {
	return sfuRoom{s.e.NewRoom(id, log)}
}

type sfuRoom struct{ r *sfu.Room }

func (r sfuRoom) Join(participantID string, send func(sfu.Outbound)) (MediaPeer, error) {
	p, err := r.r.Join(participantID, send)
	if err != nil {
		return nil, err // not a typed nil inside the interface
	}
	return p, nil
}

func (r sfuRoom) Close() { r.r.Close() }

var _ MediaPeer = (*sfu.Peer)(nil)

// viewer is a MediaPeer that takes the client's view sizes (the SFU's
// Peer does; test fakes need not).
type viewer interface {
	SetView([]sfu.View)
}

var _ viewer = (*sfu.Peer)(nil)

func setView(p MediaPeer, m *viewMsg) {
	v, ok := p.(viewer)
	if !ok {
		return
	}
	views := make([]sfu.View, len(m.Tracks))
	for i, t := range m.Tracks {
		views[i] = sfu.View{Track: t.Track, Width: t.Width, Height: t.Height}
	}
	v.SetView(views)
}

// layersOut and speakerOut are the SFU's messages that are not part of
// a negotiation (signaling/PROTOCOL.md).
type layersOut struct {
	Type   string   `json:"type"`
	Track  string   `json:"track"`
	Active []string `json:"active"`
}

type speakerOut struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// sfuMessage encodes o when it is not a negotiation message.
func sfuMessage(o sfu.Outbound) ([]byte, bool) {
	switch o.Type {
	case "layers":
		active := o.Active
		if active == nil {
			active = []string{}
		}
		return encode(layersOut{Type: o.Type, Track: o.Track, Active: active}), true
	case "active_speaker":
		return encode(speakerOut{Type: o.Type, ID: o.ID}), true
	}
	return nil, false
}
