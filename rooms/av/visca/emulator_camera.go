package visca

import (
	"time"
)

// Emulated mechanics: limits and drive rates in camera units. Values are
// plausible, not any model's.
const (
	panLimit      = 0x0990 // ±2448
	tiltLimit     = 0x04B0 // ±1200
	zoomMax       = 0x4000
	panTiltRate   = 20  // units per second per speed step
	zoomRate      = 512 // units per second per speed step (speed 0 counts as 1)
	defaultZoomSp = 2   // the standard tele/wide bytes 02 / 03
)

// axes a job moves; a drive cancels the jobs moving its axes.
type axes uint8

const (
	axisPanTilt axes = 1 << iota
	axisZoom
	axisPower
)

type position struct{ pan, tilt, zoom int }

// job is a command holding one of the camera's two sockets until it
// completes.
type job struct {
	socket int // 1 or 2
	to     dest
	axes   axes
	timer  *time.Timer
}

// camera is the emulated device. All of it is guarded by Emulator.mu.
type camera struct {
	power bool
	position
	presets [MaxPreset + 1]position

	panDir, tiltDir     int // -1, 0, +1 while driving
	panSpeed, tiltSpeed int
	zoomDir, zoomSpeed  int
	since               time.Time // when drives were last integrated

	sockets [2]*job
}

// integrate advances drives to now.
func (c *camera) integrate(now time.Time) {
	dt := int64(now.Sub(c.since))
	c.since = now
	step := func(dir, speed, rate int) int {
		return int(int64(dir*speed*rate) * dt / int64(time.Second))
	}
	c.pan = clamp(c.pan+step(c.panDir, c.panSpeed, panTiltRate), -panLimit, panLimit)
	c.tilt = clamp(c.tilt+step(c.tiltDir, c.tiltSpeed, panTiltRate), -tiltLimit, tiltLimit)
	c.zoom = clamp(c.zoom+step(c.zoomDir, c.zoomSpeed+1, zoomRate), 0, zoomMax)
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

func (c *camera) freeSocket() int {
	for i, j := range c.sockets {
		if j == nil {
			return i + 1
		}
	}
	return 0
}

func ack(socket int) []byte        { return []byte{replyAddr, 0x40 | byte(socket), terminator} }
func completion(socket int) []byte { return []byte{replyAddr, 0x50 | byte(socket), terminator} }
func errorReply(socket int, code byte) []byte {
	return []byte{replyAddr, 0x60 | byte(socket), code, terminator}
}
func answer(data ...byte) []byte {
	return append(append([]byte{replyAddr, 0x50}, data...), terminator)
}

// execute runs one VISCA message. Called with e.mu held.
func (e *Emulator) execute(to dest, m []byte) {
	c := &e.cam
	c.integrate(time.Now())
	syntax := func() { to.send(errorReply(0, ErrSyntax.Code)) }
	if len(m) < 4 || m[0] < 0x81 || m[0] > 0x87 || m[len(m)-1] != terminator {
		syntax()
		return
	}
	body := m[2 : len(m)-1]
	for _, b := range body {
		if b == terminator {
			syntax()
			return
		}
	}
	switch m[1] {
	case 0x09:
		e.inquire(to, body)
	case 0x01:
		e.command(to, body)
	default:
		syntax()
	}
}

func (e *Emulator) inquire(to dest, body []byte) {
	c := &e.cam
	switch string(body) {
	case "\x04\x00":
		state := byte(0x03)
		if c.power {
			state = 0x02
		}
		to.send(answer(state))
	case "\x06\x12":
		b := appendNibbles(nil, uint16(int16(c.pan)))
		to.send(answer(appendNibbles(b, uint16(int16(c.tilt)))...))
	case "\x04\x47":
		to.send(answer(appendNibbles(nil, uint16(c.zoom))...))
	default:
		to.send(errorReply(0, ErrSyntax.Code))
	}
}

func (e *Emulator) command(to dest, body []byte) {
	c := &e.cam
	syntax := func() { to.send(errorReply(0, ErrSyntax.Code)) }
	if len(body) < 2 {
		syntax()
		return
	}
	isPower := body[0] == 0x04 && body[1] == 0x00
	if !c.power && !isPower {
		to.send(errorReply(1, ErrNotExecutable.Code)) // 90 61 41 FF, as §4.7 has it
		return
	}
	switch {
	case isPower && len(body) == 3 && (body[2] == 0x02 || body[2] == 0x03):
		on := body[2] == 0x02
		d := e.opts.PowerTime
		if c.power == on {
			d = 0
		}
		e.startJob(to, axisPower, d, func(c *camera) { c.power = on })

	case body[0] == 0x04 && body[1] == 0x07 && len(body) == 3: // zoom drive
		dir, speed, ok := zoomDrive(body[2])
		if !ok {
			syntax()
			return
		}
		e.cancel(axisZoom)
		if e.instant(to) {
			c.zoomDir, c.zoomSpeed = dir, speed
		}

	case body[0] == 0x04 && body[1] == 0x47 && len(body) == 6: // zoom direct
		z, ok := nibbles(body[2:])
		if !ok {
			syntax()
			return
		}
		c.zoomDir = 0
		e.startJob(to, axisZoom, e.opts.MoveTime, func(c *camera) { c.zoom = clamp(int(z), 0, zoomMax) })

	case body[0] == 0x04 && body[1] == 0x3F && len(body) == 4: // presets
		n := int(body[3])
		if n > MaxPreset {
			syntax()
			return
		}
		switch body[2] {
		case presetReset:
			if e.instant(to) {
				c.presets[n] = position{}
			}
		case presetSet:
			if e.instant(to) {
				c.presets[n] = c.position
			}
		case presetRecall:
			c.panDir, c.tiltDir, c.zoomDir = 0, 0, 0
			target := c.presets[n]
			e.startJob(to, axisPanTilt|axisZoom, e.opts.MoveTime, func(c *camera) { c.position = target })
		default:
			syntax()
		}

	case body[0] == 0x06 && body[1] == 0x01 && len(body) == 6: // pan-tilt drive
		pd, td, ok := panTiltDrive(body[4], body[5])
		if !ok || !speedsOK(body[2], body[3]) {
			syntax()
			return
		}
		e.cancel(axisPanTilt)
		if e.instant(to) {
			c.panDir, c.tiltDir = pd, td
			c.panSpeed, c.tiltSpeed = int(body[2]), int(body[3])
		}

	case body[0] == 0x06 && body[1] == 0x02 && len(body) == 12: // absolute position
		p, ok1 := nibbles(body[4:8])
		t, ok2 := nibbles(body[8:12])
		if !ok1 || !ok2 || !speedsOK(body[2], body[3]) {
			syntax()
			return
		}
		c.panDir, c.tiltDir = 0, 0
		pan := clamp(signExtend(p, 16), -panLimit, panLimit)
		tilt := clamp(signExtend(t, 16), -tiltLimit, tiltLimit)
		e.startJob(to, axisPanTilt, e.opts.MoveTime, func(c *camera) { c.pan, c.tilt = pan, tilt })

	case body[0] == 0x06 && body[1] == 0x04 && len(body) == 2: // home
		c.panDir, c.tiltDir = 0, 0
		e.startJob(to, axisPanTilt, e.opts.MoveTime, func(c *camera) { c.pan, c.tilt = 0, 0 })

	default:
		syntax()
	}
}

func speedsOK(ps, ts byte) bool {
	return ps >= 1 && ps <= MaxPanSpeed && ts >= 1 && ts <= MaxTiltSpeed
}

// zoomDrive decodes the byte after 81 01 04 07.
func zoomDrive(b byte) (dir, speed int, ok bool) {
	switch {
	case b == 0x00:
		return 0, 0, true
	case b == 0x02:
		return +1, defaultZoomSp, true
	case b == 0x03:
		return -1, defaultZoomSp, true
	case b&0xF0 == 0x20 && b&0x0F <= MaxZoomSpeed:
		return +1, int(b & 0x0F), true
	case b&0xF0 == 0x30 && b&0x0F <= MaxZoomSpeed:
		return -1, int(b & 0x0F), true
	}
	return 0, 0, false
}

// panTiltDrive decodes p q: 1 left/up, 2 right/down, 3 stop. Tilt up is
// positive.
func panTiltDrive(p, q byte) (pan, tilt int, ok bool) {
	dirs := map[byte]int{1: -1, 2: +1, 3: 0}
	pan, ok1 := dirs[p]
	tilt, ok2 := dirs[q]
	return pan, -tilt, ok1 && ok2
}

// instant runs a command that completes at once: ACK and completion back
// to back. It still needs a free socket; false if there was none.
func (e *Emulator) instant(to dest) bool {
	s := e.cam.freeSocket()
	if s == 0 {
		to.send(errorReply(0, ErrCommandBufferFull.Code))
		return false
	}
	to.send(ack(s))
	to.send(completion(s))
	return true
}

// startJob ACKs at once and completes after d, holding a socket meanwhile;
// with both sockets taken it answers buffer full.
func (e *Emulator) startJob(to dest, a axes, d time.Duration, apply func(*camera)) {
	s := e.cam.freeSocket()
	if s == 0 {
		to.send(errorReply(0, ErrCommandBufferFull.Code))
		return
	}
	j := &job{socket: s, to: to, axes: a}
	e.cam.sockets[s-1] = j
	to.send(ack(s))
	j.timer = time.AfterFunc(d, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.closed || e.cam.sockets[s-1] != j {
			return // canceled, or the emulator is gone
		}
		e.cam.integrate(time.Now())
		apply(&e.cam)
		e.cam.sockets[s-1] = nil
		j.to.send(completion(s))
	})
}

// cancel ends the jobs moving any of a: their senders get 90 6y 04 FF.
func (e *Emulator) cancel(a axes) {
	for i, j := range e.cam.sockets {
		if j != nil && j.axes&a != 0 {
			j.timer.Stop()
			e.cam.sockets[i] = nil
			j.to.send(errorReply(j.socket, ErrCommandCanceled.Code))
		}
	}
}
