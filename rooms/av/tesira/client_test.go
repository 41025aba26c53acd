package tesira

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

var testBlocks = []Block{
	{Tag: "Level1", Kind: LevelBlock},
	{Tag: "Mute1", Kind: MuteBlock, Channels: 4},
	{Tag: "Mic Gate", Kind: LogicMeterBlock},
}

func TestCommands(t *testing.T) {
	c, emu := newTCPPair(t, EmulatorOptions{Blocks: testBlocks, TerminalNotice: true})
	ctx := t.Context()
	if err := c.SetMute(ctx, "Mute1", 2, true); err != nil {
		t.Fatal(err)
	}
	if m, err := c.Mute(ctx, "Mute1", 2); err != nil || !m {
		t.Fatalf("Mute = %v, %v", m, err)
	}
	if m, err := c.Mute(ctx, "Mute1", 1); err != nil || m {
		t.Fatalf("Mute ch1 = %v, %v", m, err)
	}
	if v, _ := emu.Value("Mute1", "mute", 2); v != "true" {
		t.Fatalf("emulator mute %q", v)
	}
	if err := c.SetLevel(ctx, "Level1", 1, -12.5); err != nil {
		t.Fatal(err)
	}
	if l, err := c.Level(ctx, "Level1", 1); err != nil || l != -12.5 {
		t.Fatalf("Level = %v, %v", l, err)
	}
	if err := c.SetLevel(ctx, "Level1", 3, 50); err != nil { // clamped to +12
		t.Fatal(err)
	}
	if l, _ := c.Level(ctx, "Level1", 3); l != 12 {
		t.Fatalf("clamped level %v", l)
	}
	if err := c.SetMute(ctx, "Level1", 1, true); err != nil { // Level blocks mute too
		t.Fatal(err)
	}
	if err := c.RecallPreset(ctx, 1001); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Version(ctx); err != nil || v != "4.4.1.2" {
		t.Fatalf("Version = %q, %v", v, err)
	}
	// A tag with a space goes quoted and is understood.
	if err := c.Subscribe(ctx, "Mic Gate", "state", 1, "g1", 0); err != nil {
		t.Fatal(err)
	}
	if p := nextPub(t, c); p.Token != "g1" || p.Value != "false" {
		t.Fatalf("first publication %+v", p)
	}
}

// Non-verbose sessions answer `+OK -10.000000`; CR NUL line ends.
func TestNonVerboseCRNUL(t *testing.T) {
	c, _ := newTCPPair(t, EmulatorOptions{CRNUL: true})
	ctx := t.Context()
	if _, err := c.do(ctx, "SESSION set verbose false"); err != nil {
		t.Fatal(err)
	}
	c.SetLevel(ctx, "Level1", 1, -10)
	if l, err := c.Level(ctx, "Level1", 1); err != nil || l != -10 {
		t.Fatalf("Level = %v, %v", l, err)
	}
	if v, err := c.do(ctx, "SESSION get aliases"); err != nil || v != `["Level1" "LogicMeter1" "Mute1"]` {
		t.Fatalf("aliases %q, %v", v, err)
	}
}

func TestDeviceErrors(t *testing.T) {
	c, _ := newTCPPair(t, EmulatorOptions{Blocks: testBlocks})
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		run  func() error
		want error
		msg  string
	}{
		{"unknown tag", func() error { _, err := c.Mute(ctx, "Nope1", 1); return err }, ErrAddressNotFound,
			`address not found: {"deviceId":0 "classCode":0 "instanceNum":0}`},
		{"index out of range", func() error { return c.SetMute(ctx, "Mute1", 10, true) }, ErrInvalidParameter,
			"INVALID_PARAMETER Index out of range:channelIndex min:1 max:4 received:10"},
		{"unknown attribute", func() error { _, err := c.Level(ctx, "Mute1", 1); return err }, ErrNotSupported,
			"'level' is not supported by MuteInterface::Attributes"},
		{"bad verb", func() error { _, err := c.do(ctx, "DEVICE reboot"); return err }, ErrParse,
			"Parse error at 8: verb was not one of the commands supported by Services"},
		{"session attribute", func() error { _, err := c.do(ctx, "SESSION get Aliases"); return err }, ErrNotSupported,
			"'Aliases' is not supported by TextSession::Attributes"},
		{"read-only meter", func() error { _, err := c.do(ctx, `"Mic Gate" set state 1 true`); return err }, ErrWrongState, "WRONG_STATE"},
		{"already subscribed", func() error {
			c.Subscribe(ctx, "Level1", "level", 1, "l", 0)
			return c.Subscribe(ctx, "Level1", "level", 1, "l", 0)
		}, ErrAlreadySubscribed, "ALREADY_SUBSCRIBED"},
	} {
		err := tc.run()
		var de *DeviceError
		if !errors.Is(err, tc.want) || !errors.As(err, &de) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			continue
		}
		if tc.msg != "" && de.Message != tc.msg {
			t.Errorf("%s: message %q, want %q", tc.name, de.Message, tc.msg)
		}
	}
	// Client-side checks never reach the device.
	for name, err := range map[string]error{
		"channel 0": c.SetMute(ctx, "Mute1", 0, true),
		"slash":     c.SetMute(ctx, "a/b", 1, true),
		"newline":   c.SetMute(ctx, "Mute1\nDEVICE reboot", 1, true),
		"NaN":       c.SetLevel(ctx, "Level1", 1, nanValue()),
		"rate":      c.Subscribe(ctx, "Level1", "level", 1, "x", -time.Second),
		"attribute": c.Subscribe(ctx, "Level1", "le vel", 1, "x", 0),
		"label":     c.Subscribe(ctx, "Level1", "level", 1, "", 0),
	} {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
	// The session survives all of it.
	if _, err := c.Mute(ctx, "Mute1", 1); err != nil {
		t.Fatal(err)
	}
}

func nanValue() float64 { z := 0.0; return z / z }

// The exact lines the client writes.
func TestCommandLines(t *testing.T) {
	c, lines := scripted(t, func(line string) string { return line + "\r\n+OK\r\n" })
	ctx := t.Context()
	c.SetMute(ctx, "Mic 1", 1, true)
	c.SetLevel(ctx, "Level1", 2, -12.5)
	c.Subscribe(ctx, "LogicMeter1", "state", 1, "req1", 100*time.Millisecond)
	c.Subscribe(ctx, "Level1", "level", 1, "lvl1", 1500*time.Microsecond)
	c.Subscribe(ctx, "Level1", "mute", 1, "m 1", 0)
	c.Unsubscribe(ctx, "Level1", "level", 1, "lvl1")
	for _, want := range []string{
		`"Mic 1" set mute 1 true`,
		"Level1 set level 2 -12.5",
		"LogicMeter1 subscribe state 1 req1 100",
		"Level1 subscribe level 1 lvl1 2",
		`Level1 subscribe mute 1 "m 1"`,
		"Level1 unsubscribe level 1 lvl1",
	} {
		if got := <-lines; got != want {
			t.Errorf("sent %q, want %q", got, want)
		}
	}
}

// Echo handling: the echo may arrive on the same line as the reply, and
// lines that are neither echo nor reply are skipped.
func TestEchoVariants(t *testing.T) {
	replies := map[string]string{
		"Mute1 get mute 1":   "Mute1 get mute 1+OK \"value\":true\r\n",
		"Mute1 get mute 2":   "Mute1 get mute 2\r\n\r\nsome chatter\r\n+OK \"value\":false\r\n",
		"Level1 get level 1": "Level1 get level 1\r\x00+OK \"value\":-3.000000\r\x00",
	}
	c, _ := scripted(t, func(line string) string { return replies[line] })
	ctx := t.Context()
	if m, err := c.Mute(ctx, "Mute1", 1); err != nil || !m {
		t.Fatalf("same-line echo: %v, %v", m, err)
	}
	if m, err := c.Mute(ctx, "Mute1", 2); err != nil || m {
		t.Fatalf("chatter: %v, %v", m, err)
	}
	if l, err := c.Level(ctx, "Level1", 1); err != nil || l != -3 {
		t.Fatalf("CR NUL: %v, %v", l, err)
	}
}

// A publication that arrives while a command waits goes to subscribers,
// never to the command, in every position the spec allows.
func TestPublicationsInterleaved(t *testing.T) {
	replies := map[string]string{
		"Mute1 get mute 1":                 "Mute1 get mute 1\r\n! \"publishToken\":\"mic1\" \"value\":true\r\n+OK \"value\":false\r\n",
		"Mute1 get mute 2":                 "! \"publishToken\":\"mic2\" \"value\":true\r\nMute1 get mute 2\r\n+OK \"value\":true\r\n! \"publishToken\":\"mic2\" \"value\":false\r\n",
		"LogicMeter1 subscribe state 1 m3": "LogicMeter1 subscribe state 1 m3\r\n! \"publishToken\":\"m3\" \"value\":false +OK\r\n",
		"Level1 get level 1":               "Level1 get level 1\r\n! broken publication\r\n+OK \"value\":1.000000\r\n",
	}
	c, _ := scripted(t, func(line string) string { return replies[line] })
	ctx := t.Context()
	if m, err := c.Mute(ctx, "Mute1", 1); err != nil || m {
		t.Fatalf("Mute 1 = %v, %v (took the publication?)", m, err)
	}
	if p := nextPub(t, c); p != (Publication{"mic1", "true"}) {
		t.Fatalf("pub %+v", p)
	}
	if m, err := c.Mute(ctx, "Mute1", 2); err != nil || !m {
		t.Fatalf("Mute 2 = %v, %v", m, err)
	}
	if p := nextPub(t, c); p != (Publication{"mic2", "true"}) {
		t.Fatalf("pub %+v", p)
	}
	if p := nextPub(t, c); p != (Publication{"mic2", "false"}) {
		t.Fatalf("pub %+v", p)
	}
	if err := c.Subscribe(ctx, "LogicMeter1", "state", 1, "m3", 0); err != nil {
		t.Fatalf("same-line +OK: %v", err)
	}
	if p := nextPub(t, c); p != (Publication{"m3", "false"}) {
		t.Fatalf("pub %+v", p)
	}
	if l, err := c.Level(ctx, "Level1", 1); err != nil || l != 1 {
		t.Fatalf("after broken publication: %v, %v", l, err)
	}
}

func TestSubscriptionLifecycle(t *testing.T) {
	for _, order := range []SubscribeOrder{PublishThenOK, OKThenPublish, PublishSameLine} {
		synctest.Test(t, func(t *testing.T) {
			c, emu := newPipePair(t, EmulatorOptions{Blocks: testBlocks, SubscribeOrder: order}, Options{})
			ctx := t.Context()
			if err := c.Subscribe(ctx, "Mic Gate", "state", 2, "seat2", 100*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			if p := nextPub(t, c); p != (Publication{"seat2", "false"}) {
				t.Fatalf("order %d: initial %+v", order, p)
			}
			err := c.Subscribe(ctx, "Mic Gate", "state", 2, "seat2", 0)
			if !errors.Is(err, ErrAlreadySubscribed) {
				t.Fatalf("resubscribe: %v", err)
			}
			// Each change arrives at once, with no delay or debounce.
			start := time.Now()
			for _, active := range []bool{true, false, true} {
				emu.SetMicActive("Mic Gate", 2, active)
				p := nextPub(t, c)
				if v, err := p.Bool(); err != nil || v != active || p.Token != "seat2" {
					t.Fatalf("publication %+v, want %v", p, active)
				}
			}
			if time.Since(start) != 0 {
				t.Fatalf("publications took %v", time.Since(start))
			}
			emu.SetMicActive("Mic Gate", 1, true) // another seat: not subscribed
			synctest.Wait()
			noPub(t, c)
			if n := emu.Subscribers("Mic Gate", "state", 2); n != 1 {
				t.Fatalf("subscribers %d", n)
			}
			if err := c.Unsubscribe(ctx, "Mic Gate", "state", 2, "seat2"); err != nil {
				t.Fatal(err)
			}
			emu.SetMicActive("Mic Gate", 2, false)
			synctest.Wait()
			noPub(t, c)
			if n := emu.Subscribers("Mic Gate", "state", 2); n != 0 {
				t.Fatalf("subscribers after unsubscribe %d", n)
			}
			// Subscriptions end with the session, on both sides.
			c.Subscribe(ctx, "Level1", "level", 1, "lvl", 0)
			nextPub(t, c)
			c.Close()
			if _, ok := <-c.Publications(); ok {
				t.Fatal("publications open after Close")
			}
			synctest.Wait()
			if n := emu.Subscribers("Level1", "level", 1); n != 0 {
				t.Fatalf("subscription outlived its session: %d", n)
			}
		})
	}
}

// Changes made by one session reach another session's subscription.
func TestPublishAcrossSessions(t *testing.T) {
	a, emu := newTCPPair(t, EmulatorOptions{})
	b, err := Dial(t.Context(), emu.Addr(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Subscribe(t.Context(), "Level1", "level", 1, "lvl1", 0); err != nil {
		t.Fatal(err)
	}
	nextPub(t, a)
	if err := b.SetLevel(t.Context(), "Level1", 1, -8); err != nil {
		t.Fatal(err)
	}
	if p := nextPub(t, a); p.Value != "-8.000000" {
		t.Fatalf("publication %+v", p)
	}
}

func TestBannerWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		emu := NewEmulator(EmulatorOptions{BannerDelay: 2 * time.Second, TerminalNotice: true})
		defer emu.Close()
		start := time.Now()
		c, err := Dial(t.Context(), "dsp", Options{Dial: pipeDial(emu.Serve)})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Fatalf("Dial returned after %v, want at the banner (2s)", d)
		}
		if _, err := c.Mute(t.Context(), "Mute1", 1); err != nil {
			t.Fatal(err)
		}
		c.Close()
	})
}

func TestBannerTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		emu := NewEmulator(EmulatorOptions{BannerDelay: time.Hour})
		defer emu.Close()
		start := time.Now()
		_, err := Dial(t.Context(), "dsp", Options{Dial: pipeDial(emu.Serve)})
		if !errors.Is(err, ErrTimeout) || time.Since(start) != DefaultDialTimeout {
			t.Fatalf("Dial: %v after %v", err, time.Since(start))
		}
	})
}

func TestDialRefused(t *testing.T) {
	emu := NewEmulator(EmulatorOptions{})
	if err := emu.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := emu.Addr()
	emu.Close()
	if _, err := Dial(t.Context(), addr, Options{}); err == nil {
		t.Fatal("Dial to a closed emulator succeeded")
	}
}

// A cancelled caller leaves, but its reply is still read and never taken
// for the next command's.
func TestContextCancelKeepsStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, emu := newPipePair(t, EmulatorOptions{}, Options{})
		c.SetMute(t.Context(), "Mute1", 1, true)
		emu.SetFault(FaultSlow(2 * time.Second))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := c.Mute(ctx, "Mute1", 1); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Mute: %v", err)
		}
		emu.SetFault(FaultNone)
		l, err := c.Level(t.Context(), "Level1", 1)
		if err != nil || l != 0 {
			t.Fatalf("Level after a cancelled Mute = %v, %v", l, err)
		}
		synctest.Wait()
		if c.Err() != nil {
			t.Fatalf("session ended: %v", c.Err())
		}
	})
}

func TestLongReply(t *testing.T) {
	long := "+OK \"value\":\"" + strings.Repeat("x", MaxLineLength+10) + "\"\r\n"
	c, _ := scripted(t, func(line string) string {
		if line == "DEVICE get version" {
			return line + "\r\n" + long
		}
		return line + "\r\n+OK \"value\":true\r\n"
	})
	if _, err := c.Version(t.Context()); !errors.Is(err, ErrProtocol) {
		t.Fatalf("Version: %v", err)
	}
	if m, err := c.Mute(t.Context(), "Mute1", 1); err != nil || !m {
		t.Fatalf("after long line: %v, %v", m, err)
	}
}
