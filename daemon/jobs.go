package main

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/accounts"
)

// jobs are the configured maintenance jobs on robfig/cron. Only fixed
// schedules from the config run here, never user input (the library is
// unmaintained and can panic on odd specs); booking events get their own
// timer queue (rooms/timeline).
type jobs struct {
	cron *cron.Cron
	on   atomic.Bool
	// beat is when the heartbeat job last ran (unix seconds): readiness
	// means the scheduler really runs jobs, not only that it was started.
	beat    atomic.Int64
	log     *slog.Logger
	actions map[string]jobAction
	metrics *metrics

	mu         sync.Mutex // guards configured
	configured []*jobState
}

// Heartbeat: a job every heartbeatEvery; the scheduler counts as stuck
// when none ran for heartbeatStale.
const (
	heartbeatEvery = 30 * time.Second
	heartbeatStale = 3 * heartbeatEvery
)

// jobAction runs one configured job and says in a few words what it did.
type jobAction func(cfg config.Job) (summary string, err error)

// jobState is one configured job and how its last run went.
type jobState struct {
	cfg    config.Job
	action jobAction
	sched  cron.Schedule
	entry  cron.EntryID
	*jobHistory
}

// jobHistory outlives a reload: the job of the same name in the new
// config takes it over.
type jobHistory struct {
	// busy is held while the job runs, so a job still running at a reload
	// is not started again beside itself.
	busy sync.Mutex
	mu   sync.Mutex
	last jobRun
}

type jobRun struct {
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"-"`
	Result   string        `json:"result"` // "ok" or "error"
	Summary  string        `json:"summary"`
}

func startJobs(log *slog.Logger, acc *accounts.Service, configured []config.Job, actions map[string]jobAction, m *metrics) (*jobs, error) {
	logger := cron.VerbosePrintfLogger(slog.NewLogLogger(log.Handler(), slog.LevelDebug))
	j := &jobs{cron: cron.New(cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger))),
		log: log, actions: actions, metrics: m}
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

	next, err := j.prepare(configured)
	if err != nil {
		return nil, err
	}
	j.replace(next)
	j.cron.Start()
	j.on.Store(true)
	return j, nil
}

// prepare checks configured jobs and readies them for replace; an error
// leaves the running jobs alone.
func (j *jobs) prepare(configured []config.Job) ([]*jobState, error) {
	var out []*jobState
	for _, c := range configured {
		action, ok := j.actions[c.Action]
		if !ok {
			return nil, fmt.Errorf("job %s: action %q is not available", c.Name, c.Action)
		}
		sched, err := config.ParseSchedule(c.CronSpec())
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", c.Name, err)
		}
		out = append(out, &jobState{cfg: c, action: action, sched: sched})
	}
	return out, nil
}

// replace unschedules the configured jobs and schedules next (from
// prepare) in their place, on the running scheduler. A job running now
// finishes; its successor of the same name keeps its last run and does
// not start while it still runs.
func (j *jobs) replace(next []*jobState) {
	j.mu.Lock()
	defer j.mu.Unlock()
	old := map[string]*jobState{}
	for _, st := range j.configured {
		old[st.cfg.Name] = st
		j.cron.Remove(st.entry)
	}
	for _, st := range next {
		if prev := old[st.cfg.Name]; prev != nil {
			st.jobHistory = prev.jobHistory
		} else {
			st.jobHistory = &jobHistory{}
		}
		st.entry = j.cron.Schedule(st.sched, cron.FuncJob(func() { st.run(j.log, st.action, j.metrics) }))
	}
	j.configured = next
}

func (st *jobState) run(log *slog.Logger, action jobAction, m *metrics) {
	if !st.busy.TryLock() {
		log.Warn("job skipped: its previous run is still going", "job", st.cfg.Name, "action", st.cfg.Action)
		return
	}
	defer st.busy.Unlock()
	start := time.Now()
	summary, err := func() (summary string, err error) {
		// cron.Recover would log a panic at debug level only; a panicking
		// job must show in /jobs, the metrics and the log.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return action(st.cfg)
	}()
	run := jobRun{Start: start.UTC(), Duration: time.Since(start), Result: "ok", Summary: summary}
	if err != nil {
		run.Result, run.Summary = "error", err.Error()
		log.Error("job failed", "job", st.cfg.Name, "action", st.cfg.Action, "err", err)
	} else {
		log.Info("job done", "job", st.cfg.Name, "action", st.cfg.Action, "summary", summary, "took", run.Duration.String())
	}
	m.observeJob(st.cfg.Name, run.Result, run.Duration)
	st.mu.Lock()
	st.last = run
	st.mu.Unlock()
}

// jobStatus is one job as GET /api/v1/jobs shows it.
type jobStatus struct {
	Name      string    `json:"name"`
	Schedule  string    `json:"schedule"`
	Zone      string    `json:"zone"`
	Action    string    `json:"action"`
	Next      time.Time `json:"next"`
	Last      *jobRun   `json:"last,omitempty"`
	LastMilli int64     `json:"last_duration_ms,omitempty"`
}

func (j *jobs) status() []jobStatus {
	j.mu.Lock()
	configured := j.configured
	j.mu.Unlock()
	out := make([]jobStatus, 0, len(configured))
	for _, st := range configured {
		s := jobStatus{Name: st.cfg.Name, Schedule: st.cfg.Schedule, Zone: st.cfg.Zone, Action: st.cfg.Action,
			Next: j.cron.Entry(st.entry).Next.UTC()}
		st.mu.Lock()
		if !st.last.Start.IsZero() {
			last := st.last
			s.Last, s.LastMilli = &last, last.Duration.Milliseconds()
		}
		st.mu.Unlock()
		out = append(out, s)
	}
	return out
}

func (j *jobs) running() bool {
	return j.on.Load() && time.Since(time.Unix(j.beat.Load(), 0)) < heartbeatStale
}

func (j *jobs) stop() {
	j.on.Store(false)
	<-j.cron.Stop().Done()
}
