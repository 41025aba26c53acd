package cocon

import (
	"html/template"
	"net/http"
	"strconv"
)

// The demo's delegate units: a page at the emulator's own address (not
// part of the CoCon API) where one presses a seat's request button or
// switches its microphone, so the speaker queue and the camera can be
// tried from a browser. Plain forms, no script.
var pageTmpl = template.Must(template.New("units").Parse(`<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Diskussionsanlage (Emulator)</title></head>
<body><h1>Diskussionsanlage – Sprechstellen</h1>
<p>Emulator der Televic-CoCon-Schnittstelle. / Emulated Televic CoCon server: the delegate units.</p>
<table><thead><tr><th>Platz / Seat</th><th>Name</th><th>Zustand / State</th><th></th></tr></thead><tbody>
{{range .}}<tr><td>{{.Seat}}</td><td>{{.Name}}</td><td>{{.State}}</td><td><form method="post" action="/units">
<input type="hidden" name="seat" value="{{.Seat}}">
<button name="do" value="request">Wortmeldung / Request</button>
<button name="do" value="on">Mikrofon an / On</button>
<button name="do" value="off">Mikrofon aus / Off</button></form></td></tr>
{{end}}</tbody></table></body></html>`))

type unitRow struct {
	Seat        int
	Name, State string
}

// ServeUnits serves the delegate units' page (GET) and its buttons
// (POST); Start mounts it at /units.
func (e *Emulator) ServeUnits(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		seat, err := strconv.Atoi(r.FormValue("seat"))
		if err == nil && seat >= 1 && seat <= e.opts.Seats {
			switch r.FormValue("do") {
			case "request":
				e.Request(seat)
			case "on":
				e.Speak(seat)
			case "off":
				e.Mute(seat)
			}
		}
		http.Redirect(w, r, "/units", http.StatusSeeOther)
		return
	}
	e.mu.Lock()
	rows := make([]unitRow, 0, e.opts.Seats)
	for s := 1; s <= e.opts.Seats; s++ {
		st := "aus / off"
		for i, q := range e.requests {
			if q == s {
				st = "Wortmeldung Nr. " + strconv.Itoa(i+1) + " / request"
			}
		}
		for _, q := range e.speakers {
			if q == s {
				st = "spricht / speaking"
			}
		}
		rows = append(rows, unitRow{Seat: s, Name: e.delegates[s].FullName(), State: st})
	}
	e.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	pageTmpl.Execute(w, rows)
}
