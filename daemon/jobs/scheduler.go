package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/kogge-project/kogge/daemon/config"
)

// Scheduler runs the configured maintenance jobs on robfig/cron. Only
// fixed schedules from the config run here, never user input (the library
// is unmaintained and can panic on odd specs); booking events get their
// own timer queue (rooms/timeline).
type Scheduler struct {
	cron *cron.Cron
	on   atomic.Bool
	// beat is when the heartbeat job last ran (unix seconds): readiness
	// means the scheduler really runs jobs, not only that it was started.
	beat    atomic.Int64
	log     *slog.Logger
	actions map[string]Action
	observe func(job, result string, took time.Duration)

	mu         sync.Mutex // guards configured
	configured Plan
}

// Heartbeat: a job every heartbeatEvery; the scheduler counts as stuck
// when none ran for heartbeatStale.
const (
	heartbeatEvery = 30 * time.Second
	heartbeatStale = 3 * heartbeatEvery
)

// Action runs one configured job and says in a few words what it did. It
// stops when ctx ends (shutdown; on a cluster, when this node stops
// leading: daemon/jobs_wiring.go).
type Action func(ctx context.Context, cfg config.Job) (summary string, err error)

// Sessions is the account store whose expired sessions an hourly job
// prunes (rooms/accounts).
type Sessions interface {
	PruneSessions() (int, error)
}

// Plan is a set of configured jobs checked by Prepare, ready for Replace.
type Plan []*jobState

// jobState is one configured job and how its last run went.
type jobState struct {
	cfg    config.Job
	action Action
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
	last Run
}

// Run is how one run of a job went.
type Run struct {
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"-"`
	Result   string        `json:"result"` // "ok" or "error"
	Summary  string        `json:"summary"`
}

// Start schedules the configured jobs, which name their action in
// actions, beside an hourly pruning of expired sessions and a heartbeat,
// and starts the scheduler. acc (nil: no pruning) holds the sessions;
// observe (nil: none) hears of every finished run, for the metrics. A job
// naming an unknown action or carrying a schedule that does not parse is
// an error, and nothing runs.
func Start(log *slog.Logger, acc Sessions, configured []config.Job, actions map[string]Action, observe func(job, result string, took time.Duration)) (*Scheduler, error) {
	logger := cron.VerbosePrintfLogger(slog.NewLogLogger(log.Handler(), slog.LevelDebug))
	if observe == nil {
		observe = func(string, string, time.Duration) {}
	}
	j := &Scheduler{cron: cron.New(cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger))),
		log: log, actions: actions, observe: observe}
	// Expired sessions are refused on use already; pruning keeps the bucket small.
	if acc != nil {
		j.cron.AddFunc("@every 1h", func() {
			if n, err := acc.PruneSessions(); err != nil {
				log.Error("pruning sessions failed", "err", err)
			} else if n > 0 {
				log.Info("expired sessions pruned", "count", n)
			}
		})
	}
	j.beat.Store(time.Now().Unix())
	j.cron.Schedule(cron.Every(heartbeatEvery), cron.FuncJob(func() { j.beat.Store(time.Now().Unix()) }))

	next, err := j.Prepare(configured)
	if err != nil {
		return nil, err
	}
	j.Replace(next)
	j.cron.Start()
	j.on.Store(true)
	return j, nil
}

// Prepare checks configured jobs (a reloaded config's) and readies them
// for Replace; an error leaves the running jobs alone.
func (j *Scheduler) Prepare(configured []config.Job) (Plan, error) {
	var out Plan
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

// Replace unschedules the configured jobs and schedules next (from
// Prepare) in their place, on the running scheduler. A job running now
// finishes; its successor of the same name keeps its last run and does
// not start while it still runs.
func (j *Scheduler) Replace(next Plan) {
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
		st.entry = j.cron.Schedule(st.sched, cron.FuncJob(func() { st.run(j.log, st.action, j.observe) }))
	}
	j.configured = next
}

func (st *jobState) run(log *slog.Logger, action Action, observe func(job, result string, took time.Duration)) {
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
		return action(context.Background(), st.cfg)
	}()
	run := Run{Start: start.UTC(), Duration: time.Since(start), Result: "ok", Summary: summary}
	if err != nil {
		run.Result, run.Summary = "error", err.Error()
		log.Error("job failed", "job", st.cfg.Name, "action", st.cfg.Action, "err", err)
	} else {
		log.Info("job done", "job", st.cfg.Name, "action", st.cfg.Action, "summary", summary, "took", run.Duration.String())
	}
	observe(st.cfg.Name, run.Result, run.Duration)
	st.mu.Lock()
	st.last = run
	st.mu.Unlock()
}

// Status is one job as GET /api/v1/jobs shows it.
type Status struct {
	Name      string    `json:"name"`
	Schedule  string    `json:"schedule"`
	Zone      string    `json:"zone"`
	Action    string    `json:"action"`
	Next      time.Time `json:"next"`
	Last      *Run      `json:"last,omitempty"`
	LastMilli int64     `json:"last_duration_ms,omitempty"`
}

// Status lists the configured jobs with their next and last run.
func (j *Scheduler) Status() []Status {
	j.mu.Lock()
	configured := j.configured
	j.mu.Unlock()
	out := make([]Status, 0, len(configured))
	for _, st := range configured {
		s := Status{Name: st.cfg.Name, Schedule: st.cfg.Schedule, Zone: st.cfg.Zone, Action: st.cfg.Action,
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

// Running reports whether the scheduler runs jobs: started, not stopped,
// and its heartbeat recent (for /readyz).
func (j *Scheduler) Running() bool {
	return j.on.Load() && time.Since(time.Unix(j.beat.Load(), 0)) < heartbeatStale
}

// Stop stops scheduling and waits for running jobs to finish.
func (j *Scheduler) Stop() {
	j.on.Store(false)
	<-j.cron.Stop().Done()
}
