package tesira

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// readLoop owns the connection's reads: it waits for the banner, then
// routes every line. It never writes; option refusals go to the writer.
func (c *Client) readLoop() {
	defer c.wg.Done()
	defer close(c.pubs) // the only sender, so the only one to close
	lr := newLineReader(c.conn, MaxLineLength, c.refuse)
	lr.prompt = isLoginPrompt // a prompt ends without a line break
	bannerSeen := false
	for {
		line, err := lr.readLine()
		if errors.Is(err, errLineTooLong) {
			c.overlong(line)
			continue
		}
		if err != nil {
			c.shutdown(fmt.Errorf("read: %w", err))
			return
		}
		if !bannerSeen {
			// The preamble may hold "No entry for terminal type …" and
			// blank lines; only the banner opens the session.
			if strings.HasPrefix(strings.TrimSpace(line), bannerPrefix) {
				bannerSeen = true
				lr.prompt = nil
				close(c.banner)
				continue
			}
			if err := c.answerLogin(line); err != nil {
				c.shutdown(err)
				return
			}
			continue
		}
		c.dispatch(line)
	}
}

// refuse answers an option request as docs/protocols/tesira.md §3
// requires. A peer that proposes options faster than they can be refused
// is flooding.
func (c *Client) refuse(verb, opt byte) {
	reply, ok := refusal(verb, opt)
	if !ok {
		return
	}
	select {
	case c.out <- reply:
	default:
		c.shutdown(fmt.Errorf("%w: Telnet option requests flood the session", ErrProtocol))
	}
}

// dispatch is the one place a line finds its recipient: the echo of the
// command in flight is dropped, publications go to subscribers whatever
// else is waiting, and only +OK / -ERR complete a command.
func (c *Client) dispatch(line string) {
	c.mu.Lock()
	p := c.pending
	c.mu.Unlock()
	if p != nil {
		trimmed := strings.TrimSpace(line)
		if trimmed == p.line {
			return // the echo
		}
		// An echo the device did not end with a line break.
		if rest, ok := strings.CutPrefix(trimmed, p.line); ok {
			line = rest
		}
	}
	pl, err := parseLine(line)
	if err != nil {
		if s := strings.TrimSpace(line); s != "" && s[0] == '!' {
			// A broken publication is not the reply anyone waits for.
			c.log.Warn("tesira: dropping malformed publication", "err", err)
			return
		}
		c.reply(p, result{err: err})
		return
	}
	switch pl.kind {
	case lineNoise:
		c.log.Debug("tesira: ignoring line", "line", truncate(line))
	case linePublish:
		c.publish(pl.pub)
		if pl.okToo {
			c.reply(p, result{})
		}
	case lineOK:
		c.reply(p, result{value: pl.value})
	case lineErr:
		cmd := ""
		if p != nil {
			cmd = p.line
		}
		c.reply(p, result{err: &DeviceError{Command: cmd, Message: pl.err}})
	}
}

func (c *Client) reply(p *call, r result) {
	if p == nil {
		c.log.Warn("tesira: reply with no command waiting", "err", r.err, "value", truncate(r.value))
		return
	}
	c.complete(p, r)
}

// overlong handles a line cut at MaxLineLength. A publication is dropped;
// anything else stands where the reply would, so the command fails.
func (c *Client) overlong(prefix string) {
	if s := strings.TrimSpace(prefix); s != "" && s[0] == '!' {
		c.log.Warn("tesira: dropping over-long publication")
		return
	}
	c.mu.Lock()
	p := c.pending
	c.mu.Unlock()
	if p == nil {
		c.log.Warn("tesira: dropping over-long line")
		return
	}
	c.complete(p, result{err: fmt.Errorf("%w: reply longer than %d bytes", ErrProtocol, MaxLineLength)})
}

// publish never blocks the reader: a full buffer loses its oldest entry.
func (c *Client) publish(p Publication) {
	for {
		select {
		case c.pubs <- p:
			return
		default:
		}
		select {
		case old := <-c.pubs:
			c.log.Warn("tesira: publication buffer full; dropped the oldest", "token", old.Token)
		default:
		}
	}
}

// truncate keeps a device's line short in an error (a protocol package
// imports nothing of Kogge, so this is not rooms.Clip).
func truncate(s string) string {
	if len(s) <= 80 {
		return s
	}
	cut := 80
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
