package gotomeeting

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MeetingID is GoTo's numeric meeting id. Create responses send it as a JSON
// number, some list endpoints as a string, so decoding accepts both.
type MeetingID int64

// UnmarshalJSON accepts 123456789 and "123456789".
func (id *MeetingID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*id = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("gotomeeting: meeting id %s: %w", b, err)
	}
	*id = MeetingID(n)
	return nil
}

func (id MeetingID) String() string { return strconv.FormatInt(int64(id), 10) }

// Conference call info values GoTo knows; free text up to 255 chars (own
// dial-in numbers) is accepted too.
const (
	CallPSTN    = "PSTN"
	CallFree    = "Free"
	CallHybrid  = "Hybrid"
	CallPrivate = "Private"
	CallVoIP    = "VoIP"
)

// Meeting types.
const (
	TypeImmediate = "immediate"
	TypeScheduled = "scheduled"
	TypeRecurring = "recurring"
)

// MeetingRequest is what Kogge wants a meeting to look like. It is turned
// into the wire body (MeetingReqCreate/MeetingReqUpdate) by wireRequest.
type MeetingRequest struct {
	Subject            string
	Start, End         time.Time
	PasswordRequired   bool
	ConferenceCallInfo string // defaults to VoIP
	MeetingType        string // defaults to scheduled
}

// wireMeeting is the exact request body: all 7 keys are required and
// lowercase, timezonekey is deprecated but must be present as "".
type wireMeeting struct {
	Subject            string `json:"subject"`
	StartTime          string `json:"starttime"`
	EndTime            string `json:"endtime"`
	PasswordRequired   bool   `json:"passwordrequired"`
	ConferenceCallInfo string `json:"conferencecallinfo"`
	TimezoneKey        string `json:"timezonekey"`
	MeetingType        string `json:"meetingtype"`
}

// MaxSubject is GoTo's subject limit in characters.
const MaxSubject = 100

func wireRequest(m MeetingRequest, ref string) (wireMeeting, error) {
	if !m.End.After(m.Start) {
		return wireMeeting{}, fmt.Errorf("gotomeeting: end %v not after start %v", m.End, m.Start)
	}
	call := m.ConferenceCallInfo
	if call == "" {
		call = CallVoIP
	}
	if len(call) > 255 {
		return wireMeeting{}, fmt.Errorf("gotomeeting: conferencecallinfo longer than 255")
	}
	typ := m.MeetingType
	if typ == "" {
		typ = TypeScheduled
	}
	subj, err := subjectWithRef(m.Subject, ref)
	if err != nil {
		return wireMeeting{}, err
	}
	return wireMeeting{
		Subject:            subj,
		StartTime:          m.Start.UTC().Format(time.RFC3339),
		EndTime:            m.End.UTC().Format(time.RFC3339),
		PasswordRequired:   m.PasswordRequired,
		ConferenceCallInfo: call,
		TimezoneKey:        "",
		MeetingType:        typ,
	}, nil
}

// References are restricted so they survive HTML escaping and cannot be
// confused with ordinary subject text.
var refPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,40}$`)

func refTag(ref string) string { return " [kogge:" + ref + "]" }

// subjectWithRef escapes '<' and '>' as GoTo requires and appends the
// idempotency tag. The subject is the only free-text field GoTo keeps and
// returns in listings, so it is where the reference lives; the human part
// is truncated (by runes) so the whole fits in MaxSubject.
func subjectWithRef(subject, ref string) (string, error) {
	subject = strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(subject)
	tag := ""
	if ref != "" {
		if !refPattern.MatchString(ref) {
			return "", fmt.Errorf("gotomeeting: reference %q must match %s", ref, refPattern)
		}
		tag = refTag(ref)
	}
	room := MaxSubject - len([]rune(tag))
	if r := []rune(subject); len(r) > room {
		// Do not cut an escape sequence in half.
		cut := string(r[:room])
		if i := strings.LastIndexByte(cut, '&'); i >= 0 && !strings.Contains(cut[i:], ";") {
			cut = cut[:i]
		}
		subject = cut
	}
	return subject + tag, nil
}

// ReferenceOf returns the idempotency reference embedded in a subject.
func ReferenceOf(subject string) (string, bool) {
	i := strings.LastIndex(subject, " [kogge:")
	if i < 0 || !strings.HasSuffix(subject, "]") {
		return "", false
	}
	ref := subject[i+len(" [kogge:") : len(subject)-1]
	return ref, refPattern.MatchString(ref)
}

// MeetingCreated is the single element of the create response array. Note
// GoTo's casing: joinURL, meetingid (lowercase d), conferenceCallInfo.
type MeetingCreated struct {
	JoinURL            string    `json:"joinURL"`
	MeetingID          MeetingID `json:"meetingid"`
	UniqueMeetingID    MeetingID `json:"uniqueMeetingId"`
	MaxParticipants    int       `json:"maxParticipants"`
	ConferenceCallInfo string    `json:"conferenceCallInfo"`
	// Recovered is set (never sent by GoTo) when the create outcome was
	// ambiguous and the meeting was found by its reference instead; JoinURL
	// is then derived from the meeting id.
	Recovered bool `json:"-"`
}

// Meeting is GoTo's MeetingById.
type Meeting struct {
	Subject            string    `json:"subject"`
	StartTime          time.Time `json:"startTime"`
	EndTime            time.Time `json:"endTime"`
	Duration           int       `json:"duration"`
	PasswordRequired   bool      `json:"passwordRequired"`
	ConferenceCallInfo string    `json:"conferenceCallInfo"`
	MaxParticipants    int       `json:"maxParticipants"`
	MeetingID          MeetingID `json:"meetingId"`
	MeetingKey         MeetingID `json:"meetingKey"`
	UniqueMeetingID    MeetingID `json:"uniqueMeetingId"`
	MeetingType        string    `json:"meetingType"`
	Status             string    `json:"status"` // ACTIVE | INACTIVE
	CreateTime         string    `json:"createTime"`
}

// UpcomingMeeting is an element of GET /upcomingMeetings; meetingId is a
// string there.
type UpcomingMeeting struct {
	MeetingID          MeetingID `json:"meetingId"`
	Subject            string    `json:"subject"`
	StartTime          time.Time `json:"startTime"`
	EndTime            time.Time `json:"endTime"`
	Status             string    `json:"status"`
	PasswordRequired   bool      `json:"passwordRequired"`
	ConferenceCallInfo string    `json:"conferenceCallInfo"`
	MeetingType        string    `json:"meetingType"`
	OrganizerKey       MeetingID `json:"organizerKey"`
	AccountKey         MeetingID `json:"accountKey"`
	Email              string    `json:"email"`
	FirstName          string    `json:"firstName"`
	LastName           string    `json:"lastName"`
	Locale             string    `json:"locale"`
}

// productError is the product API error body; legacyError the old shape
// for malformed JSON.
type productError struct {
	IntErrCode string `json:"int_err_code"`
	Msg        string `json:"msg"`
}

type legacyError struct {
	Error struct {
		Resource string `json:"resource"`
		Message  string `json:"message"`
	} `json:"error"`
}
