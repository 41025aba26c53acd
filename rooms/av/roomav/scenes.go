package roomav

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/kogge-project/kogge/rooms/av"
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

// SubscribeScenes streams the steps of every scene started with
// StartScene until stop is called.
func (a *AV) SubscribeScenes(buffer int) (events <-chan SceneEvent, stop func()) {
	return a.scenes.subscribe(buffer)
}

// StartScene starts a room's scene and returns at once with the run's id;
// each action's result, and the end, follow as SceneEvents. The scene
// runs under its own deadline, whatever happens to the request that
// started it: a panel must not wait 90 s for a projector to warm up, nor
// leave the room half set up when it stops waiting. ok is false if the
// room has no such scene.
func (a *AV) StartScene(room, name string) (id string, ok bool) {
	ar := a.room(room)
	if ar == nil {
		return "", false
	}
	sc, ok := ar.scenes[name]
	if !ok {
		return "", false
	}
	id = newRunID()
	global := av.Scene{Name: sc.Name}
	for _, act := range sc.Actions {
		act.Device = DeviceKey(room, act.Device)
		global.Actions = append(global.Actions, act)
	}
	a.sceneWG.Add(1)
	go func() {
		defer a.sceneWG.Done()
		ev := func(r av.Result) SceneEvent {
			dev := ar.deviceKey[r.Device].ID
			return SceneEvent{ID: id, Room: room, Scene: name, Device: dev, Label: ar.labels[dev], Command: r.Command, OK: r.OK, Error: r.Error}
		}
		var res []av.Result
		if ar.owned {
			res = ar.sup.RunSceneReporting(context.Background(), global, av.DefaultSceneDeadline, func(r av.Result) { a.sceneStep(ev(r)) })
		} else {
			// Ownership moved between the caller's routing and here.
			res = notOwned(global)
			for _, r := range res {
				a.sceneStep(ev(r))
			}
		}
		failed := 0
		for _, r := range res {
			if !r.OK {
				failed++
			}
		}
		a.sceneStep(SceneEvent{ID: id, Room: room, Scene: name, OK: failed == 0, Done: true, Failed: failed})
		a.log.Info("scene run", "room", room, "scene", name, "run", id, "failed", failed)
	}()
	return id, true
}

// sceneStep publishes a step of a run started here, on this node's
// streams and (on a cluster) the others'.
func (a *AV) sceneStep(ev SceneEvent) {
	a.scenes.publish(ev)
	if a.sceneRelay != nil {
		a.sceneRelay.Send(ev)
	}
}

func newRunID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
