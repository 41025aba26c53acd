package broker

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// VMRPrefix starts the name (and alias) of every VMR Kogge creates.
const VMRPrefix = "kogge-"

// pexipVMR creates one Pexip VMR per meeting, named VMRPrefix + ref.
type pexipVMR struct {
	c        *pexip.Client
	joinBase string
}

// NewPexipVMR is the Pexip backend that makes a VMR per meeting; joinBase
// is the web app URL the alias is appended to (e.g.
// https://meet.example/webapp/m/).
func NewPexipVMR(c *pexip.Client, joinBase string) Backend {
	// A base ending in "/" or "=" (a query parameter, as the Infinity web
	// app's "#/?conference=") takes the alias as it is; otherwise a path
	// segment is added.
	if !strings.HasSuffix(joinBase, "/") && !strings.HasSuffix(joinBase, "=") {
		joinBase += "/"
	}
	return &pexipVMR{c: c, joinBase: joinBase}
}

func (p *pexipVMR) joinURL(alias string) string {
	if strings.HasSuffix(p.joinBase, "=") {
		return p.joinBase + url.QueryEscape(alias)
	}
	return p.joinBase + url.PathEscape(alias)
}

func participantLimit(b rooms.Booking) int {
	if b.Hybrid.ExpectedRemote <= 0 {
		return 0
	}
	return b.Hybrid.ExpectedRemote + 1
}

func (p *pexipVMR) Create(ctx context.Context, a store.Allocation, b rooms.Booking) (Meeting, error) {
	name := VMRPrefix + a.Ref
	// POSTs are sent once; a lost answer may hide a created VMR, so look
	// first (the name is unique).
	conf, found, err := p.c.FindConferenceByName(ctx, name)
	if err != nil {
		return Meeting{}, err
	}
	id, hostPIN, guestPIN := conf.ID, conf.PIN, conf.GuestPIN
	if !found {
		// PINs keep out whoever guesses the alias (over SIP or H.323, say);
		// our join links carry them, so nobody types them.
		hostPIN, guestPIN = randomPIN(), randomPIN()
		for guestPIN == hostPIN {
			guestPIN = randomPIN()
		}
		o, err := p.c.CreateMeetingRoom(ctx, pexip.Meeting{
			Name: name, Alias: name, ParticipantLimit: participantLimit(b),
			HostPIN: hostPIN, GuestPIN: guestPIN, AllowGuests: true,
			Tag: "kogge:" + a.Ref, Description: "Kogge " + b.ID,
		})
		if err != nil {
			return Meeting{}, err
		}
		id = o.ID()
	}
	return Meeting{Licence: a.Licence, ExternalID: strconv.Itoa(id), Ref: a.Ref,
		JoinURL: withPIN(p.joinURL(name), guestPIN), HostURL: withPIN(p.joinURL(name), hostPIN),
		DialIn: name + " (PIN " + guestPIN + ")"}, nil
}

// randomPIN is eight random digits, as long as the guest PINs of our own
// meetings (docs/security.md, Limits). Pexip takes 4 to 20 digits and
// wants host and guest PINs of the same length (docs/protocols/pexip.md);
// eight digits are still easy to type on a phone's keypad.
func randomPIN() string {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return fmt.Sprintf("%08d", n.Int64())
}

// withPIN adds the PIN to a web app join URL.
func withPIN(u, pin string) string {
	if pin == "" {
		return u
	}
	if strings.Contains(u, "?") {
		return u + "&pin=" + pin
	}
	return u + "?pin=" + pin
}

func confURL(id string) (pexip.ObjectURL, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return pexip.ObjectURL{}, backendErr("pexip: conference id %q", id)
	}
	return pexip.Conferences.Object(n), nil
}

// Update follows a size change (a VMR has no times).
func (p *pexipVMR) Update(ctx context.Context, a store.Allocation, b rooms.Booking) error {
	o, err := confURL(a.ExternalID)
	if err != nil {
		return err
	}
	var limit any
	if l := participantLimit(b); l > 0 {
		limit = l
	}
	err = p.c.UpdateConference(ctx, o, map[string]any{"participant_limit": limit})
	if pexip.IsNotFound(err) {
		return errors.Join(errGone, err)
	}
	return err
}

func (p *pexipVMR) Delete(ctx context.Context, ref store.ExternalRef) error {
	o, err := confURL(ref.ExternalID)
	if err != nil {
		return err
	}
	return p.c.DeleteConference(ctx, o) // 404 is success
}

func (p *pexipVMR) List(ctx context.Context) ([]Meeting, error) {
	cs, err := p.c.ListConferences(ctx, url.Values{"name__icontains": {VMRPrefix}})
	if err != nil {
		return nil, err
	}
	var out []Meeting
	for _, c := range cs {
		ref, ok := strings.CutPrefix(c.Name, VMRPrefix)
		if !ok {
			continue
		}
		out = append(out, Meeting{ExternalID: strconv.Itoa(c.ID), Ref: ref, JoinURL: p.joinURL(c.Name)})
	}
	return out, nil
}

// pexipStatic assigns pre-made rooms (DFNconf): the licence is the room
// alias. Nothing is created at the provider; the backend only remembers
// which reference holds which room, for List.
type pexipStatic struct {
	rooms map[string]pexip.StaticRoom

	mu     sync.Mutex
	leases map[string]pexip.Lease // by ref
}

// NewPexipStatic is the backend of a pool of static rooms; the provider's
// Licences must be their aliases.
func NewPexipStatic(rooms []pexip.StaticRoom) Backend {
	s := &pexipStatic{rooms: map[string]pexip.StaticRoom{}, leases: map[string]pexip.Lease{}}
	for _, r := range rooms {
		s.rooms[r.Alias] = r
	}
	return s
}

func (s *pexipStatic) Create(_ context.Context, a store.Allocation, b rooms.Booking) (Meeting, error) {
	r, ok := s.rooms[a.Licence]
	if !ok {
		return Meeting{}, backendErr("pexip: no static room %q", a.Licence)
	}
	s.mu.Lock()
	s.leases[a.Ref] = pexip.Lease{Owner: a.Ref, Room: r, Start: a.From, End: a.To}
	s.mu.Unlock()
	return Meeting{Licence: r.Alias, ExternalID: a.Ref, Ref: a.Ref, JoinURL: r.JoinURL}, nil
}

func (s *pexipStatic) Update(ctx context.Context, a store.Allocation, b rooms.Booking) error {
	_, err := s.Create(ctx, a, b)
	return err
}

// Delete forgets the lease; the room itself stays (it is not ours).
func (s *pexipStatic) Delete(_ context.Context, ref store.ExternalRef) error {
	s.mu.Lock()
	delete(s.leases, ref.ExternalID)
	s.mu.Unlock()
	return nil
}

func (s *pexipStatic) List(context.Context) ([]Meeting, error) {
	s.mu.Lock()
	out := make([]Meeting, 0, len(s.leases))
	for ref, l := range s.leases {
		out = append(out, Meeting{Licence: l.Room.Alias, ExternalID: ref, Ref: ref, JoinURL: l.Room.JoinURL})
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out, nil
}

// Probe reads the status API's licensing: cheap, authenticated, and what
// a dead or unreachable management node fails first.
func (p *pexipVMR) Probe(ctx context.Context) error {
	_, err := p.c.Licensing(ctx)
	return err
}
