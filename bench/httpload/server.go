package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/sfu"
)

// The daemon's HTTP surface as daemon/build.go assembles it, from the
// public packages (the daemon itself is package main): a real store in a
// data directory, accounts, the demo rooms, the booking service, the
// timeline's subscriptions, the meetings' hub, and http.Server with the
// daemon's timeouts (daemon/serve.go). Left out: AV, providers, mail,
// council import — none of them adds to an idle stream or a lobby waiter.

const (
	benchUser     = "bench"
	benchPassword = "correct horse battery staple"
)

type env struct {
	st   *store.Store
	acc  *accounts.Service
	cat  *rooms.Catalog
	svc  *bookings.Service
	web  *web.Server
	hub  *signaling.Hub
	srv  *http.Server
	ln   net.Listener
	url  string
	stop func()
}

func startEnv(dir string, maxStreams int) (*env, error) {
	st, err := store.Open(filepath.Join(dir, "kogge.db"), store.Options{})
	if err != nil {
		return nil, err
	}
	e := &env{st: st}
	// Argon2 as configured by default: the one login pays it once.
	if e.acc, err = accounts.Open(st.DB(), accounts.Options{}); err != nil {
		st.Close()
		return nil, err
	}
	if _, err := e.acc.AddUser(benchUser, accounts.RoleAdmin, benchPassword); err != nil && !errors.Is(err, accounts.ErrUserExists) {
		st.Close()
		return nil, err
	}
	rs, err := config.Demo(dir).RoomList()
	if err != nil {
		st.Close()
		return nil, err
	}
	e.cat = rooms.NewCatalog(rs)
	e.svc = bookings.New(bookings.Options{Store: st, Room: e.cat.Get, Now: time.Now, Hold: e.cat.Hold})
	// Subscriptions only: Run is not needed for a stream to hold one.
	tl := timeline.New(bookings.NewTimelineStore(e.svc, st), timeline.Options{Room: e.cat.Get, Now: time.Now})
	e.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return nil, err
	}
	e.url = "http://" + e.ln.Addr().String()
	e.hub = signaling.NewHub(signaling.Config{AllowedOrigins: []string{e.url}}, lobbyAuth{}, noMedia{})
	e.web, err = web.New(web.Options{
		Log: slog.New(slog.DiscardHandler), Store: st, Accounts: e.acc, Catalog: e.cat, Metrics: noMetrics{},
		Ready: func() error { return nil }, Subscribe: tl.Subscribe, Hub: e.hub, Bookings: e.svc,
		MaxEventStreamsPerLogin: maxStreams,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	unsub := st.Subscribe(e.web.Hear)
	h, err := e.web.Handler([]string{e.url})
	if err != nil {
		st.Close()
		return nil, err
	}
	e.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	e.srv.RegisterOnShutdown(e.web.Close)
	go func() { _ = e.srv.Serve(e.ln) }()
	e.stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.hub.Shutdown(ctx)
		_ = e.srv.Shutdown(ctx)
		e.hub.Close()
		unsub()
		st.Close()
	}
	return e, nil
}

type noMetrics struct{}

func (noMetrics) ObserveRequest(string, int, time.Duration) {}
func (noMetrics) Handler() http.Handler                     { return http.NotFoundHandler() }

// lobbyAuth admits every token as a guest of meeting "m<token>" with a
// lobby: a guest waits there until a host lets them in (none comes). Each
// connection has a link of its own, so the per-link cap does not apply.
type lobbyAuth struct{}

func (lobbyAuth) Authorize(_ context.Context, req signaling.JoinRequest) (signaling.Ticket, error) {
	meeting, link, _ := cut(req.Token)
	return signaling.Ticket{
		Meeting: signaling.MeetingSpec{ID: "m" + meeting, Title: "Vorstellungsgespräch", Lobby: true, Limit: 50,
			Closes: time.Now().Add(24 * time.Hour)},
		Role: signaling.RoleGuest, Link: "guest:" + link,
	}, nil
}

func cut(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// noMedia is never reached: lobby waiters get no media.
type noMedia struct{}

func (noMedia) NewRoom(string, *slog.Logger) signaling.MediaRoom { return noRoom{} }

type noRoom struct{}

func (noRoom) Join(string, func(sfu.Outbound)) (signaling.MediaPeer, error) {
	return nil, fmt.Errorf("no media in this benchmark")
}
func (noRoom) Close() {}
