package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The client side of the connection modes runs in a child process (the
// same binary, -client), so that its goroutines and buffers are not
// counted with the server's. It opens n connections, prints "ready" once
// all are open, then, for the streams, one "ev <booking id> <unix ns>"
// line per booking event received; it ends when its stdin closes.

func runClient(mode, url, cookie string, n int) error {
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	emit := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		out.WriteString(line + "\n")
		out.Flush()
	}
	var conns []io.Closer
	for i := range n {
		var c io.Closer
		var err error
		switch mode {
		case "streams", "floor":
			c, err = openStream(url, cookie, emit)
		case "lobby":
			c, err = openLobby(url, i)
		default:
			err = fmt.Errorf("unknown client mode %q", mode)
		}
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		conns = append(conns, c)
	}
	emit("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	return nil
}

// openStream opens one event stream on its own connection and reads it in
// a goroutine; the first bytes (the stream's opening comment) are read
// before it returns, so the server has registered it.
func openStream(url, cookie string, emit func(string)) (io.Closer, error) {
	tr := &http.Transport{DisableKeepAlives: true}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Cookie", cookie)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("%s", resp.Status)
	}
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil {
		resp.Body.Close()
		return nil, err
	}
	go func() {
		event := ""
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimSpace(line[len("event: "):])
			case strings.HasPrefix(line, "data: ") && event == "booking":
				now := time.Now().UnixNano()
				var b struct{ ID string }
				if json.Unmarshal([]byte(line[len("data: "):]), &b) == nil {
					emit(fmt.Sprintf("ev %s %d", b.ID, now))
				}
			}
		}
	}()
	return resp.Body, nil
}

// openLobby joins meeting m<i/150> as a guest from 127.0.0.<2+i/4> (the
// hub lets at most five waiters from one address, 200 in one lobby) and
// waits for the welcome that puts it in the lobby.
func openLobby(url string, i int) (io.Closer, error) {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+i/(4*250)), byte(2+(i/4)%250))}
	d := websocket.Dialer{
		HandshakeTimeout: 10 * time.Second,
		NetDialContext:   (&net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}).DialContext,
		ReadBufferSize:   1024, WriteBufferSize: 1024,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := d.DialContext(ctx, "ws"+strings.TrimPrefix(url, "http")+"/ws", http.Header{"Origin": {url}})
	if err != nil {
		return nil, err
	}
	hello := fmt.Sprintf(`{"type":"hello","version":1,"token":"%d/%d","name":"Gast %d"}`, i/150, i, i)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(hello)); err != nil {
		ws.Close()
		return nil, err
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := ws.ReadMessage()
	if err != nil {
		ws.Close()
		return nil, err
	}
	if !strings.Contains(string(msg), `"state":"lobby"`) {
		ws.Close()
		return nil, fmt.Errorf("not in the lobby: %s", msg)
	}
	_ = ws.SetReadDeadline(time.Time{})
	// Answer pings (gorilla's default ping handler does, while reading).
	go func() {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	return ws, nil
}
