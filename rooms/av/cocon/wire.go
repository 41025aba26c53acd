package cocon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Event is one notification from the server: its name (the JSON key,
// "MicrophoneState", "DelegateOnSeat", "VotingState", …) and its data. The
// typed readers below decode the ones Kogge uses; others (Voting, when
// council votes come from the voting units) are read from Data by whoever
// needs them, so a new model needs no change here (§5).
type Event struct {
	Name string
	Data json.RawMessage
}

// Models Kogge subscribes to by default (§4). Voting is added by passing
// it in Options.Models.
const (
	ModelMicrophone = "Microphone"
	ModelDelegate   = "Delegate"
	ModelVoting     = "Voting"
)

// Microphones is the chamber's microphone state (§5.1): seats whose
// microphone is on, and the request list in its order.
type Microphones struct {
	Speakers []int `json:"Speakers"`
	Requests []int `json:"Requests"`
	Replies  []int `json:"Replies"`
}

// Microphones reads a MicrophoneState event.
func (e Event) Microphones() (Microphones, bool) {
	if e.Name != "MicrophoneState" {
		return Microphones{}, false
	}
	var m Microphones
	if err := json.Unmarshal(e.Data, &m); err != nil {
		return Microphones{}, false
	}
	return m, true
}

// Delegate is the part of CoCon's delegate record Kogge shows.
type Delegate struct {
	ID        int    `json:"Id"`
	Title     string `json:"Title,omitempty"`
	FirstName string `json:"FirstName"`
	Name      string `json:"Name"`
}

// FullName is how the queue names the delegate ("Marcel Ackermann").
func (d Delegate) FullName() string {
	switch {
	case d.FirstName == "":
		return trimSpace(d.Name)
	case d.Name == "":
		return trimSpace(d.FirstName)
	}
	return trimSpace(d.FirstName) + " " + trimSpace(d.Name)
}

// SeatChange is a DelegateOnSeat event (§5.2): a delegate sat down at a
// seat (OnSeat) or left it.
type SeatChange struct {
	Seat     int
	OnSeat   bool
	Delegate Delegate
}

// SeatChange reads a DelegateOnSeat event. When the delegate leaves, the
// server sends "" for the delegate, which is not an object: it is read as
// no delegate.
func (e Event) SeatChange() (SeatChange, bool) {
	if e.Name != "DelegateOnSeat" {
		return SeatChange{}, false
	}
	var raw struct {
		SeatNr   int             `json:"SeatNr"`
		OnSeat   bool            `json:"OnSeat"`
		Delegate json.RawMessage `json:"Delegate"`
	}
	if err := json.Unmarshal(e.Data, &raw); err != nil || raw.SeatNr <= 0 {
		return SeatChange{}, false
	}
	sc := SeatChange{Seat: raw.SeatNr, OnSeat: raw.OnSeat}
	if raw.OnSeat {
		_ = json.Unmarshal(raw.Delegate, &sc.Delegate) // a delegate without a name is still seated
	}
	return sc, true
}

func trimSpace(s string) string { return string(bytes.TrimSpace([]byte(s))) }

// unwrap reads a reply body. The server sends its JSON as a JSON string
// holding the JSON text (§3.3), so a string is decoded once more.
func unwrap(body []byte) (json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '"' {
		var s string
		if err := json.Unmarshal(body, &s); err != nil {
			return nil, fmt.Errorf("cocon: reply is not JSON: %w", err)
		}
		body = bytes.TrimSpace([]byte(s))
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("cocon: reply is not JSON: %.80q", body)
	}
	return body, nil
}

// events splits a notification into its events: one object with one key
// per event (the server sends one event per reply, but several keys or an
// array of objects are read too), in the order the server wrote them.
func events(body json.RawMessage) ([]Event, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var out []Event
	var object func() error
	object = func() error {
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			name, ok := tok.(string)
			if !ok {
				return errors.New("cocon: event name is not a string")
			}
			var data json.RawMessage
			if err := dec.Decode(&data); err != nil {
				return err
			}
			out = append(out, Event{Name: name, Data: data})
		}
		_, err := dec.Token() // }
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("cocon: notification: %w", err)
	}
	switch tok {
	case json.Delim('{'):
		err = object()
	case json.Delim('['):
		for dec.More() && err == nil {
			if tok, err = dec.Token(); err == nil {
				if tok != json.Delim('{') {
					return nil, errors.New("cocon: notification array holds a non-object")
				}
				err = object()
			}
		}
	default:
		return nil, fmt.Errorf("cocon: notification is not an object: %v", tok)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("cocon: notification: %w", err)
	}
	return out, nil
}
