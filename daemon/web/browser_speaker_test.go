package web

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// writeWAV writes seconds of 48 kHz mono 16-bit PCM to path: speech-like
// when loud (a voice's harmonics, its pitch moving, in syllables four
// times a second, so that the browser's noise suppression does not take
// it for a steady hum), silence otherwise. Chromium loops the file.
func writeWAV(t *testing.T, path string, loud bool) {
	t.Helper()
	const rate, seconds = 48000, 4
	pcm := make([]byte, 2*rate*seconds)
	for i := range rate * seconds {
		var s float64
		if loud {
			at := float64(i) / rate
			pitch := 150 + 40*math.Sin(2*math.Pi*0.7*at)
			syllable := math.Max(0, math.Sin(2*math.Pi*4*at))
			for h := 1.0; h <= 8; h++ {
				s += math.Sin(2*math.Pi*pitch*h*at) / h
			}
			s *= 0.3 * syllable
		}
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(int16(s*math.MaxInt16)))
	}
	var b []byte
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(36+len(pcm)))
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, 1) // PCM
	b = binary.LittleEndian.AppendUint16(b, 1) // mono
	b = binary.LittleEndian.AppendUint32(b, rate)
	b = binary.LittleEndian.AppendUint32(b, rate*2)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(pcm)))
	if err := os.WriteFile(path, append(b, pcm...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// speakerEvents reads the room's events stream (as a secretary's page
// does) and hands on the speaker events' names until ctx ends.
func speakerEvents(t *testing.T, e *testEnv, ctx context.Context, room string) <-chan string {
	t.Helper()
	plain, _, err := e.accounts.CreateToken("anna", "events")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/events?room="+room, nil)
	req.Header.Set("Authorization", "Bearer "+plain)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	names := make(chan string, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer res.Body.Close()
		lines := bufio.NewScanner(res.Body)
		for lines.Scan() {
			if lines.Text() != "event: speaker" || !lines.Scan() {
				continue
			}
			var ev speakerEvent
			if err := json.Unmarshal([]byte(strings.TrimPrefix(lines.Text(), "data: ")), &ev); err != nil {
				t.Errorf("speaker event %q: %v", lines.Text(), err)
				continue
			}
			select {
			case names <- ev.Speaker:
			default:
			}
		}
	}()
	t.Cleanup(func() { <-done })
	return names
}

// TestActiveSpeakerMovesToTheLoudPageInChromium: two browsers, the
// host's fake microphone silent, the guest's speaking. In a council
// session, once the guest is let in, the host's page highlights and
// enlarges the guest's tile and says who speaks, the guest's page marks
// its own tile; the room's events stream and the door panel show the
// guest by name beside the speaker queue, in German and in English. The
// guest mutes: the highlight, the event stream and the door all say
// nobody speaks; unmuted, the highlight comes back to the guest.
func TestActiveSpeakerMovesToTheLoudPageInChromium(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"kind": "council", "title": "Rat der Stadt",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	v := e.joinView(anna, b.ID)
	// The session runs.
	e.now = at(t, "2026-12-01T15:30:00Z")
	shots := keptShots(t, "speaker")
	dir := t.TempDir()
	silent, loud := filepath.Join(dir, "silent.wav"), filepath.Join(dir, "loud.wav")
	writeWAV(t, silent, false)
	writeWAV(t, loud, true)
	streamCtx, stopStream := context.WithTimeout(context.Background(), 240*time.Second) // a failure bound
	defer stopStream()
	spoken := speakerEvents(t, e, streamCtx, "ratssaal")
	nextSpeaker := func(want string) {
		t.Helper()
		for {
			select {
			case name := <-spoken:
				if name == want {
					return
				}
				t.Logf("speaker event %q on the way to %q", name, want)
			case <-streamCtx.Done():
				t.Fatalf("no speaker event %q on the room's events stream", want)
			}
		}
	}

	hostBrowser := newBrowser(t, chromedp.Flag("use-file-for-fake-audio-capture", silent))
	guestBrowser := newBrowser(t, chromedp.Flag("use-file-for-fake-audio-capture", loud))
	host := openJoinTab(t, hostBrowser, "host", v.HostURL, true)
	host.do(chromedp.EmulateViewport(1280, 800)) // wide: the speaker's tile leads the grid
	host.enter("Vorsitz")
	host.do(chromedp.WaitVisible(chromedp.CSS("#host")))

	// The door panel of the room, open before anyone speaks: what it
	// shows comes by its events stream.
	door := e.panel("ratssaal", "Tür Ratssaal")
	if _, err := chromedp.Call(hostBrowser, network.SetCookie, network.SetCookieParams{
		Name: door.cookie.Name, Value: door.cookie.Value, URL: e.srv.URL}); err != nil {
		t.Fatal(err)
	}
	panelCtx, closePanel := chromedp.NewContext(hostBrowser)
	defer closePanel()
	panelCtx, cancelPanel := context.WithTimeout(panelCtx, 180*time.Second) // a failure bound, not a wait
	defer cancelPanel()
	p := &panelTab{t: t, ctx: panelCtx, shots: shots}
	p.do(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(e.srv.URL+"/panel/ratssaal"), chromedp.WaitVisible(chromedp.CSS("#council-box")))

	guest := openJoinTab(t, guestBrowser, "guest", v.GuestURL, true)
	guest.enter("Gast")
	host.do(chromedp.WaitVisible(chromedp.CSS("#lobby-list li[data-waiting] button")))
	host.eval(`document.querySelector("#lobby-list li[data-waiting] button").click()`)
	guest.do(chromedp.WaitVisible(chromedp.CSS("#meeting")))

	const guestTile = `document.querySelector('#grid .tile:not(.mine)')`
	host.until("the guest's tile highlighted on the host's page", guestTile+`?.classList.contains('speaking')`, 30000)
	if got := host.text("#speaker-note"); got != "Gast spricht gerade." {
		t.Errorf("host's page says %q", got)
	}
	// Highlighted and enlarged: the guest's tile leads the grid across
	// its width, the host's own (silent) tile is not marked.
	if !value[bool](host, `!document.querySelector('#grid .tile.mine').classList.contains('speaking') &&
	  `+guestTile+`.getBoundingClientRect().width > document.querySelector('#grid .tile.mine').getBoundingClientRect().width * 1.5`) {
		t.Error("host's page: the guest's tile is not the one enlarged")
	}
	guest.until("the guest's own tile marked on the guest's page", `document.querySelector('#grid .tile.mine')?.classList.contains('speaking')`, 10000)
	if value[bool](guest, guestTile+`?.classList.contains('speaking')`) {
		t.Error("the guest's page marks the silent host as speaking")
	}
	host.shot(shots, "speaker-host")

	nextSpeaker("Gast")
	p.do(chromedp.WaitVisible(chromedp.CSS("#speaker")))
	if got := p.text("#speaker"); got != "Spricht gerade per Video: Gast" {
		t.Errorf("door panel: %q", got)
	}
	p.look("speaker")
	checkAccessibility(t, p.ctx, "Ratssaal panel (remote speaker)")
	p.do(chromedp.Click(chromedp.CSS("#lang")))
	if got := p.text("#speaker"); got != "Speaking by video now: Gast" {
		t.Errorf("door panel in English: %q", got)
	}
	p.do(chromedp.Click(chromedp.CSS("#lang")))
	var st struct{ Speaker string }
	anna.do("GET", "/api/v1/panel/ratssaal/state", nil).json(t, &st)
	if st.Speaker != "Gast" {
		t.Errorf("panel state's speaker %q", st.Speaker)
	}

	// The guest mutes: after a quiet moment nobody speaks, everywhere.
	guest.do(chromedp.Click(chromedp.CSS("#toggle-mic")))
	nextSpeaker("")
	host.until("no tile highlighted on the host's page", `!document.querySelector('#grid .tile.speaking')`, 10000)
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`document.getElementById("speaker").hidden`)); err != nil {
		t.Fatalf("door panel still names a speaker: %q (%v)", p.text("#speaker"), err)
	}
	guest.do(chromedp.Click(chromedp.CSS("#toggle-mic")))
	host.until("the highlight back on the guest", guestTile+`?.classList.contains('speaking')`, 30000)
	nextSpeaker("Gast")
}
