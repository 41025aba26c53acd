package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"
)

// drain lets in-flight requests on both servers finish within timeout, then
// cuts off whatever still runs (a slow client, a backup download) so that
// the store can close in time.
func (d *daemonProcess) drain(timeout time.Duration, servers ...*http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(ctx); err != nil {
				d.log.Warn("requests still running at shutdown were cut off", "err", err)
				srv.Close()
			}
		}()
	}
	wg.Wait()
}

// waitForSignals blocks until SIGTERM/SIGINT (or the listener fails),
// reloading rooms on SIGHUP. A second SIGTERM/SIGINT exits at once.
func (d *daemonProcess) waitForSignals(sigs <-chan os.Signal, serveErr <-chan error) error {
	for {
		select {
		case err := <-serveErr:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return fmt.Errorf("http server: %w", err)
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				d.reload()
				continue
			}
			d.log.Info("signal received", "signal", sig.String())
			go func() {
				for sig := range sigs {
					if sig == syscall.SIGHUP {
						d.log.Info("SIGHUP ignored: shutting down")
						continue
					}
					d.log.Error("second signal: exiting without draining", "signal", sig.String())
					os.Exit(1)
				}
			}()
			return nil
		}
	}
}

// ready is /readyz: the store answers and can write, and the maintenance
// jobs run.
func (d *daemonProcess) ready() error {
	if d.stopping.Load() {
		return errors.New("shutting down")
	}
	if _, err := d.store.CountByStatus(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if d.store.DiskFull() {
		// Reads still work, but nothing can be booked: a balancer should
		// send people elsewhere until a write succeeds again.
		return errors.New("the disk is full: the last write failed for want of space")
	}
	if !d.jobs.Running() {
		return errors.New("maintenance jobs are not running")
	}
	if err := d.timelineErr.Load(); err != nil {
		return fmt.Errorf("booking timeline stopped: %w", *err)
	}
	return nil
}

// startWatchdog pings systemd's watchdog at half its interval while the
// daemon is ready; a wedged store stops the pings and systemd restarts us.
func (d *daemonProcess) startWatchdog() (stop func()) {
	interval, err := sddaemon.SdWatchdogEnabled(false)
	if err != nil || interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(interval / 2)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := d.ready(); err != nil {
					d.log.Warn("watchdog ping withheld", "err", err)
					continue
				}
				_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyWatchdog)
			}
		}
	}()
	return func() { close(done) }
}
