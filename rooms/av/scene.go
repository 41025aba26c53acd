package av

import (
	"context"
	"sync"
	"time"
)

// Action is one step of a scene: a command for one device.
type Action struct {
	Device  string `json:"device" toml:"device"`
	Command        // command name and args
}

// Scene is a named set of actions run together ("hybrid", "off").
type Scene struct {
	Name    string
	Actions []Action
}

// Result is how one action of a scene went.
type Result struct {
	Device  string `json:"device"`
	Command string `json:"command"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
}

// DefaultSceneDeadline bounds a whole scene. It is long because a
// projector switched on takes its input only once its lamp is warm (often
// 30–60 s); the other devices of the scene are done long before.
const DefaultSceneDeadline = 90 * time.Second

// RunScene runs every device's actions at once, each device's actions in
// order, all under one deadline, and reports a result per action. A
// failing or hung device does not hold up or stop the others.
func (s *Supervisor) RunScene(ctx context.Context, sc Scene, deadline time.Duration) []Result {
	return s.RunSceneReporting(ctx, sc, deadline, nil)
}

// RunSceneReporting is RunScene that also hands each action's result to
// report (if not nil) as soon as it is known, from the device's
// goroutine: a panel hears the camera is ready while the projector still
// warms up.
func (s *Supervisor) RunSceneReporting(ctx context.Context, sc Scene, deadline time.Duration, report func(Result)) []Result {
	if deadline <= 0 {
		deadline = DefaultSceneDeadline
	}
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	byDevice := map[string][]int{} // device -> indexes into sc.Actions, in order
	var order []string
	for i, a := range sc.Actions {
		if _, seen := byDevice[a.Device]; !seen {
			order = append(order, a.Device)
		}
		byDevice[a.Device] = append(byDevice[a.Device], i)
	}
	results := make([]Result, len(sc.Actions))
	var wg sync.WaitGroup
	for _, dev := range order {
		wg.Add(1)
		go func(idx []int) {
			defer wg.Done()
			for _, i := range idx {
				a := sc.Actions[i]
				r := Result{Device: a.Device, Command: a.Name, OK: true}
				if err := s.Do(ctx, a.Device, a.Command); err != nil {
					r.OK, r.Error = false, err.Error()
				}
				results[i] = r
				if report != nil {
					report(r)
				}
			}
		}(byDevice[dev])
	}
	wg.Wait()
	return results
}
