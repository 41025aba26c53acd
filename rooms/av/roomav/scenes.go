package roomav

import (
	"context"
	"slices"

	"github.com/kogge-project/kogge/rooms/av"
)

// SceneNames lists a room's scenes, sorted.
func (a *AV) SceneNames(room string) []string {
	names := []string{}
	if ar := a.room(room); ar != nil {
		for n := range ar.scenes {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// SceneLabels maps a room's labelled scenes to their labels.
func (a *AV) SceneLabels(room string) map[string]string {
	out := map[string]string{}
	if ar := a.room(room); ar != nil {
		for _, sc := range ar.spec.Scenes {
			if sc.Label != "" {
				out[sc.Name] = sc.Label
			}
		}
	}
	return out
}

// RunScene runs a room's scene; device names in results are room-local.
// ok is false if the room has no such scene.
func (a *AV) RunScene(ctx context.Context, room, name string) (res []av.Result, ok bool) {
	ar := a.room(room)
	if ar == nil {
		return nil, false
	}
	sc, ok := ar.scenes[name]
	if !ok {
		return nil, false
	}
	global := av.Scene{Name: sc.Name}
	for _, act := range sc.Actions {
		act.Device = DeviceKey(room, act.Device)
		global.Actions = append(global.Actions, act)
	}
	if ar.owned {
		res = ar.sup.RunScene(ctx, global, av.DefaultSceneDeadline)
	} else {
		res = notOwned(global)
	}
	for i := range res {
		res[i].Device = ar.deviceKey[res[i].Device].ID
	}
	return res, true
}

// RunActions runs actions on a room's devices named by DeviceKey (results
// name them so too).
func (a *AV) RunActions(ctx context.Context, room string, sc av.Scene) []av.Result {
	ar := a.room(room)
	if ar == nil {
		return nil
	}
	if !ar.owned {
		if a.forward == nil {
			return notOwned(sc)
		}
		// One action after the other, each sent to the owner: the
		// daemon's actions (the power-off) are few and not urgent.
		ctx, cancel := context.WithTimeout(ctx, av.DefaultSceneDeadline)
		defer cancel()
		out := make([]av.Result, len(sc.Actions))
		for i, act := range sc.Actions {
			out[i] = av.Result{Device: act.Device, Command: act.Name, OK: true}
			if err := a.forward(ctx, room, ar.deviceKey[act.Device].ID, act.Command); err != nil {
				out[i].OK, out[i].Error = false, err.Error()
			}
		}
		return out
	}
	return ar.sup.RunScene(ctx, sc, av.DefaultSceneDeadline)
}

// scenesAt names the scenes the timeline runs in a room.
func (a *AV) scenesAt(room string) (prep, end string) {
	if ar := a.room(room); ar != nil {
		return ar.prep, ar.end
	}
	return "", ""
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
