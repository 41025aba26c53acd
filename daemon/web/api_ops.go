package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/kogge-project/kogge/daemon/jobs"
)

func (s *server) healthz(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
	return nil
}

func (s *server) readyz(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	if err := s.ready(); err != nil {
		// The reason is for the operator's log, not for anonymous callers.
		s.log.Warn("not ready", "err", err)
		return newProblem(http.StatusServiceUnavailable, "not-ready", "not-ready")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func (s *server) listJobs(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	out := []jobs.Status{}
	if s.jobs != nil {
		out = s.jobs()
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
	return nil
}

func (s *server) serveMetrics(w http.ResponseWriter, r *http.Request, _ *caller) error {
	s.metrics.Handler().ServeHTTP(w, r)
	return nil
}

// backup streams a consistent copy of the database while the daemon runs
// (bbolt's tx.WriteTo inside a read transaction; writers are not blocked).
func (s *server) backup(w http.ResponseWriter, _ *http.Request, c *caller) error {
	name := fmt.Sprintf("kogge-%s.db", s.now().UTC().Format("20060102T150405Z"))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	start := time.Now()
	n, err := s.store.WriteBackup(w)
	if err != nil {
		// The status line is gone: abort the connection so that the client
		// sees a failed transfer instead of a short file that looks complete.
		s.log.Error("backup failed", "err", err, "bytes", n)
		panic(http.ErrAbortHandler)
	}
	s.log.Info("backup written", "by", c.name(), "bytes", n, "took", time.Since(start))
	return nil
}
