package sfu

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/pion/logging"
)

// pionLoggerFactory sends pion's logs to our slog.Logger. Pion logs every
// teardown race (a stream closed under a reader, a packet for a gone
// endpoint) as a warning or an error, so levels move one step down:
// info, debug and warn become debug, error becomes warn; trace is
// dropped.
//
// Pion asks for a dozen loggers per connection (ice, dtls, srtp, ...);
// each slog With copies the handler's state, some 2 kB per subscriber
// kept for the connection's life, so the loggers are made once per scope
// and shared (a logger carries no state of its own).
type pionLoggerFactory struct {
	log    *slog.Logger
	scopes *sync.Map // scope → pionLogger; nil: none kept
}

func newPionLoggerFactory(log *slog.Logger) pionLoggerFactory {
	return pionLoggerFactory{log: log, scopes: new(sync.Map)}
}

func (f pionLoggerFactory) NewLogger(scope string) logging.LeveledLogger {
	if f.scopes == nil {
		return pionLogger{f.log.With("pion", scope)}
	}
	if l, ok := f.scopes.Load(scope); ok {
		return l.(pionLogger)
	}
	l, _ := f.scopes.LoadOrStore(scope, pionLogger{f.log.With("pion", scope)})
	return l.(pionLogger)
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) logf(level slog.Level, format string, args ...any) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
}

func (pionLogger) Trace(string)          {}
func (pionLogger) Tracef(string, ...any) {}

func (l pionLogger) Debug(msg string)                  { l.logf(slog.LevelDebug, "%s", msg) }
func (l pionLogger) Debugf(format string, args ...any) { l.logf(slog.LevelDebug, format, args...) }
func (l pionLogger) Info(msg string)                   { l.logf(slog.LevelDebug, "%s", msg) }
func (l pionLogger) Infof(format string, args ...any)  { l.logf(slog.LevelDebug, format, args...) }
func (l pionLogger) Warn(msg string)                   { l.logf(slog.LevelDebug, "%s", msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.logf(slog.LevelDebug, format, args...) }
func (l pionLogger) Error(msg string)                  { l.logf(slog.LevelWarn, "%s", msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.logf(slog.LevelWarn, format, args...) }
