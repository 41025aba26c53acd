package main

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// jobs are the configured maintenance jobs on robfig/cron. Only fixed
// schedules run here, never user input (the library is unmaintained and can
// panic on odd specs); booking events get their own timer queue.
type jobs struct {
	cron *cron.Cron
	on   atomic.Bool
	// beat is when the heartbeat job last ran (unix seconds): readiness
	// means the scheduler really runs jobs, not only that it was started.
	beat atomic.Int64
}

// Heartbeat: a job every heartbeatEvery; the scheduler counts as stuck
// when none ran for heartbeatStale.
const (
	heartbeatEvery = 30 * time.Second
	heartbeatStale = 3 * heartbeatEvery
)

func startJobs(log *slog.Logger, acc *accounts.Service) *jobs {
	logger := cron.VerbosePrintfLogger(slog.NewLogLogger(log.Handler(), slog.LevelDebug))
	j := &jobs{cron: cron.New(cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))}
	// Expired sessions are refused on use already; pruning keeps the bucket small.
	j.cron.AddFunc("@every 1h", func() {
		if n, err := acc.PruneSessions(); err != nil {
			log.Error("pruning sessions failed", "err", err)
		} else if n > 0 {
			log.Info("expired sessions pruned", "count", n)
		}
	})
	j.beat.Store(time.Now().Unix())
	j.cron.Schedule(cron.Every(heartbeatEvery), cron.FuncJob(func() { j.beat.Store(time.Now().Unix()) }))
	j.cron.Start()
	j.on.Store(true)
	return j
}

func (j *jobs) running() bool {
	return j.on.Load() && time.Since(time.Unix(j.beat.Load(), 0)) < heartbeatStale
}

func (j *jobs) stop() {
	j.on.Store(false)
	<-j.cron.Stop().Done()
}
