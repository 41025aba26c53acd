package main

import (
	"context"
	"errors"
	"time"

	"strings"

	"github.com/kogge-project/kogge/daemon/config"

	"github.com/kogge-project/kogge/daemon/jobs"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
)

// jobActions are the actions [[jobs]] tables can name (daemon/jobs), with
// what they work with.
func (d *daemonProcess) jobActions() map[string]jobs.Action {
	actions := jobs.Actions(jobs.Deps{
		Log: d.log, Store: d.store, Catalog: d.catalog, Closures: d.closureList,
		Retention: d.cfg.Retention, HorizonMonths: d.cfg.Series.HorizonMonths,
		AV: jobAV{d.av}, InUse: roomav.InUseAt(d.store.Overlapping),
		ImportCouncil: d.oparlJob, Reconcile: d.reconcileJob,
	})
	// On a cluster every node schedules the jobs and the one that leads
	// at the time runs them: a job falls due on every node, so nothing is
	// missed when the leader changes between two runs. A run is bound to
	// the term it started in (jobContext): a node that stops leading stops
	// its purge, series extension or power-off sweep between two steps
	// instead of acting beside the new leader on a copy that may lag.
	for name, act := range actions {
		actions[name] = func(_ context.Context, j config.Job) (string, error) {
			if !d.lead.Leader() {
				return notLeading, nil
			}
			ctx, cancel := d.jobContext(jobLimit)
			defer cancel()
			return act(ctx, j)
		}
	}
	return actions
}

// jobLimit bounds one run of a job (the council import and the
// reconciliation bound themselves tighter).
const jobLimit = time.Hour

// notLeading is a job's result on a node that does not lead the cluster.
const notLeading = "skipped: another node of the cluster runs the jobs"

// jobAV is the rooms' devices as the power-off job drives them: with
// room-local device ids (a nil roomAV has none).
type jobAV struct{ a *roomav.AV }

func (j jobAV) Enabled() bool                    { return j.a.Enabled() }
func (j jobAV) Statuses(room string) []av.Status { return j.a.Statuses(room) }

func (j jobAV) RunActions(ctx context.Context, room string, actions []av.Action) []av.Result {
	var sc av.Scene
	for _, act := range actions {
		act.Device = roomav.DeviceKey(room, act.Device)
		sc.Actions = append(sc.Actions, act)
	}
	res := j.a.RunActions(ctx, room, sc)
	for i := range res {
		res[i].Device = strings.TrimPrefix(res[i].Device, room+"/")
	}
	return res
}

// oparlJob is the "oparl-import" action.
func (d *daemonProcess) oparlJob(ctx context.Context, _ config.Job) (string, error) {
	if d.oparl == nil {
		return "", errNoOParl
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	rep, err := d.oparl.Sync(ctx)
	if err != nil {
		return "", err
	}
	return rep.Summary(), nil
}

var errNoOParl = errors.New("no [oparl] endpoint is configured")
