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
