package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
)

// avOf returns the room and its AV, or the problem why there is none.
func (s *server) avRoom(r *http.Request) (string, error) {
	room, err := s.room(r)
	if err != nil {
		return "", err
	}
	if !s.av.Enabled() {
		return "", newProblem(http.StatusNotFound, "no-av", "no-av")
	}
	return room.ID, nil
}

// listDevices answers GET /rooms/{id}/devices: each device's health and
// last known state and label, and the room's scenes (names, which the
// scene route takes, and the labels of those that have one).
func (s *server) listDevices(w http.ResponseWriter, r *http.Request, _ *caller) error {
	room, err := s.avRoom(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": s.av.DeviceViews(room), "scenes": s.av.SceneNames(room),
		"scene_labels": s.av.SceneLabels(room)})
	return nil
}

// runScene answers POST /rooms/{id}/scenes/{name} with 202 and the run's
// id at once: every device of the scene starts together, and each
// action's result, then the end, arrive as "scene" events on the events
// stream. One failing device fails only its own actions.
func (s *server) runScene(w http.ResponseWriter, r *http.Request, c *caller) error {
	room, err := s.avRoom(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	id, err := s.sceneStart(c, room, name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"scene": name, "id": id})
	return nil
}

// sceneStart starts a room's scene for c (the device API and the panel);
// it runs under its own deadline, whatever the request does.
func (s *server) sceneStart(c *caller, room, name string) (string, error) {
	if !s.av.Owns(room) {
		return "", roomUnreachable() // it moved after the request was routed
	}
	id, ok := s.av.StartScene(room, name)
	if !ok {
		return "", newProblem(http.StatusNotFound, "unknown-scene", "unknown-scene", "room", room, "scene", problems.Quoted(name))
	}
	s.log.Info("scene started", "room", room, "scene", name, "run", id, "by", c.name())
	return id, nil
}

// deviceCommand answers POST /rooms/{id}/devices/{dev}/commands with a
// body {command, args}: power, input, mute, preset recall and store,
// pan/tilt/zoom steps.
func (s *server) deviceCommand(w http.ResponseWriter, r *http.Request, c *caller) error {
	room, err := s.avRoom(r)
	if err != nil {
		return err
	}
	dev := r.PathValue("dev")
	if _, ok := s.av.Device(room, dev); !ok {
		return newProblem(http.StatusNotFound, "unknown-device", "unknown-device", "room", room, "device", problems.Quoted(dev))
	}
	var cmd av.Command
	if err := decodeJSON(w, r, &cmd); err != nil {
		return err
	}
	st, err := s.deviceDo(r.Context(), c, room, dev, cmd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// deviceDo checks and runs one command on a room's device for c (the
// device API and the panel) and returns the device's status after it.
func (s *server) deviceDo(ctx context.Context, c *caller, room, dev string, cmd av.Command) (av.Status, error) {
	dc, ok := s.av.Device(room, dev)
	if !ok {
		return av.Status{}, newProblem(http.StatusNotFound, "unknown-device", "unknown-device", "room", room, "device", problems.Quoted(dev))
	}
	if err := av.CheckCommand(dc.Kind, cmd); err != nil {
		return av.Status{}, newProblem(http.StatusUnprocessableEntity, "invalid-command", "invalid-command")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), av.DefaultSceneDeadline)
	defer cancel()
	if err := s.av.Do(ctx, room, dev, cmd); err != nil {
		return av.Status{}, deviceProblem(err)
	}
	s.log.Info("device command", "room", room, "device", dev, "command", cmd.Name, "by", c.name())
	st, _ := s.av.Status(room, dev)
	return st, nil
}

// deviceProblem says why a device did not do what it was told.
func deviceProblem(err error) *problem {
	switch {
	case errors.Is(err, roomav.ErrNotOwner):
		return roomUnreachable() // it moved after the request was routed
	case errors.Is(err, av.ErrBusy):
		return newProblem(http.StatusServiceUnavailable, "device-busy", "device-busy")
	case errors.Is(err, av.ErrOffline):
		return newProblem(http.StatusServiceUnavailable, "device-offline", "device-offline")
	case errors.Is(err, context.DeadlineExceeded):
		return newProblem(http.StatusGatewayTimeout, "device-timeout", "device-timeout")
	}
	return newProblem(http.StatusBadGateway, "device-error", "device-error")
}
