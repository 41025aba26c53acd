package roomav

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// SceneEvent is one step of a scene started with StartScene, as the
// events stream carries it: an action's result, or (Done) the end of the
// run with how many actions failed. Devices are named by room-local id
// and by label, so a page can say which device failed in words.
type SceneEvent struct {
	ID      string `json:"id"`
	Room    string `json:"room"`
	Scene   string `json:"scene"`
	Device  string `json:"device,omitempty"`
	Label   string `json:"label,omitempty"`
	Command string `json:"command,omitempty"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	Done    bool   `json:"done,omitempty"`
	Failed  int    `json:"failed,omitempty"`
}

// SceneRelay carries scene steps between the nodes of a cluster: a
// scene runs on the room's driver, but the person who started it may
// watch the event stream of another node (rooms/av/avetcd, scenes.go).
type SceneRelay interface {
	// Send hands a step of a run started on this node to the others. It
	// must not block.
	Send(ev SceneEvent)
	// Watch streams the steps the other nodes send, in order, until ctx
	// ends.
	Watch(ctx context.Context) <-chan SceneEvent
}

func newRunID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
