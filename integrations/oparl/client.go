package oparl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Options tune a Client; the zero value is usable.
type Options struct {
	// HTTPClient makes the requests; nil means one with a 30 s timeout.
	// Council information systems are often slow, but a hung one must not
	// hold the import job forever.
	HTTPClient *http.Client
	// UserAgent identifies Kogge to the server's operators.
	UserAgent string
	// MaxPages bounds every list walk (default 1000), so that a server whose
	// links.next never ends cannot keep the import busy forever.
	MaxPages int
	// MaxResponse bounds one response body (default 32 MiB).
	MaxResponse int64
	// Logger receives debug lines per request and warnings on quirks.
	Logger *slog.Logger
	// Zone reads times without an offset (default Europe/Berlin).
	Zone *time.Location
	// OtherHosts are hosts (host[:port]) besides the endpoint's that the
	// server's objects may link to. Links anywhere else are refused: a
	// council system (or whoever took it over) must not make Kogge fetch
	// URLs inside the city network.
	OtherHosts []string
}

// Defaults for Options.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMaxPages    = 1000
	DefaultMaxResponse = 32 << 20
	DefaultUserAgent   = "Kogge OParl import (+https://github.com/kogge-project/kogge)"
)

// Client reads one OParl server. It is safe for concurrent use.
type Client struct {
	endpoint string
	http     *http.Client
	ua       string
	maxPages int
	maxBody  int64
	log      *slog.Logger
	zone     *time.Location
	hosts    map[string]bool
}

// ErrForeignHost: a link (or redirect) leads off the configured server.
var ErrForeignHost = errors.New("oparl: link leads to a host that is not configured")

func (c *Client) allowed(u *url.URL) error {
	if (u.Scheme != "http" && u.Scheme != "https") || !c.hosts[u.Host] {
		return fmt.Errorf("%w: %s", ErrForeignHost, u.Redacted())
	}
	return nil
}

// NewClient returns a client for the server whose System object is at
// endpoint.
func NewClient(endpoint string, opts Options) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("oparl: endpoint %q is not an http(s) URL", endpoint)
	}
	c := &Client{endpoint: endpoint, ua: opts.UserAgent, maxPages: opts.MaxPages,
		maxBody: opts.MaxResponse, log: opts.Logger, zone: opts.Zone, hosts: map[string]bool{u.Host: true}}
	for _, h := range opts.OtherHosts {
		c.hosts[h] = true
	}
	hc := http.Client{Timeout: DefaultTimeout}
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient // a copy: its redirect policy becomes ours
	}
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("oparl: too many redirects")
		}
		return c.allowed(req.URL)
	}
	c.http = &hc
	if c.ua == "" {
		c.ua = DefaultUserAgent
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxResponse
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.zone == nil {
		if c.zone, err = time.LoadLocation("Europe/Berlin"); err != nil {
			return nil, fmt.Errorf("oparl: %w (install tzdata or set Options.Zone)", err)
		}
	}
	return c, nil
}

// Zone is the zone the client reads offset-less times in.
func (c *Client) Zone() *time.Location { return c.zone }

// HTTPError is a response other than 200 OK.
type HTTPError struct {
	URL    string
	Status int
	// Body is the start of the response, for the log: OParl servers answer
	// errors with a JSON object that often says what went wrong.
	Body string
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("oparl: GET %s: HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// get fetches url and returns the body, which must be JSON.
func (c *Client) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("oparl: GET %s: %w", u, err)
	}
	if err := c.allowed(req.URL); err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oparl: GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	// One byte more than allowed tells a full body from a cut one.
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	c.log.Debug("oparl request", "url", u, "status", resp.StatusCode, "bytes", len(body), "took", time.Since(start))
	if err != nil {
		return nil, fmt.Errorf("oparl: GET %s: reading the response: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{URL: u, Status: resp.StatusCode, Body: snippet(body)}
	}
	if int64(len(body)) > c.maxBody {
		return nil, fmt.Errorf("oparl: GET %s: response larger than %d bytes", u, c.maxBody)
	}
	return body, nil
}

// getJSON fetches u into v, naming the URL in every error.
func (c *Client) getJSON(ctx context.Context, u string, v any) error {
	body, err := c.get(ctx, u)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("oparl: GET %s: malformed JSON: %w", u, err)
	}
	return nil
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// System fetches the System object at the endpoint.
func (c *Client) System(ctx context.Context) (System, error) {
	var w wireSystem
	if err := c.getJSON(ctx, c.endpoint, &w); err != nil {
		return System{}, err
	}
	s := System{ID: string(w.ID), Name: string(w.Name), OParlVersion: string(w.OParlVersion), BodyList: string(w.Body)}
	if s.BodyList == "" {
		return System{}, fmt.Errorf("oparl: %s is not an OParl System: it names no body list", c.endpoint)
	}
	return s, nil
}

// Bodies lists the bodies of the system.
func (c *Client) Bodies(ctx context.Context, s System) ([]Body, error) {
	var bodies []Body
	err := c.walk(ctx, s.BodyList, nil, func(raw json.RawMessage) error {
		var w wireBody
		if err := json.Unmarshal(raw, &w); err != nil || w.ID == "" {
			c.log.Warn("oparl: skipping an unreadable body", "err", err)
			return nil
		}
		bodies = append(bodies, Body{ID: string(w.ID), Name: string(w.Name), ShortName: string(w.ShortName),
			AGS: strings.TrimSpace(string(w.AGS)), OrganizationList: string(w.Organization), MeetingList: string(w.Meeting)})
		return nil
	})
	return bodies, err
}

// FindBody fetches the System and returns the body whose id or AGS is key.
func (c *Client) FindBody(ctx context.Context, key string) (Body, error) {
	key = strings.TrimSpace(key)
	s, err := c.System(ctx)
	if err != nil {
		return Body{}, err
	}
	bodies, err := c.Bodies(ctx, s)
	if err != nil {
		return Body{}, err
	}
	for _, b := range bodies {
		if b.ID == key || (b.AGS != "" && sameAGS(b.AGS, key)) {
			if b.MeetingList == "" {
				return Body{}, fmt.Errorf("oparl: body %s has no meeting list", b.ID)
			}
			return b, nil
		}
	}
	known := make([]string, len(bodies))
	for i, b := range bodies {
		known[i] = fmt.Sprintf("%s (ags %q)", b.Name, b.AGS)
	}
	return Body{}, fmt.Errorf("oparl: no body with id or ags %q; the server has %s", key, strings.Join(known, ", "))
}

// sameAGS compares municipality keys. A server that sends the AGS as a JSON
// number loses its leading zero ("05315000" → 5315000), so keys compare as
// digits without leading zeros.
func sameAGS(a, b string) bool {
	return a == b || (strings.TrimLeft(a, "0") == strings.TrimLeft(b, "0") && strings.TrimLeft(a, "0") != "")
}

// Organizations lists the body's organizations. A body without an
// organization list has none.
func (c *Client) Organizations(ctx context.Context, b Body) ([]Organization, error) {
	if b.OrganizationList == "" {
		return nil, nil
	}
	var orgs []Organization
	err := c.walk(ctx, b.OrganizationList, nil, func(raw json.RawMessage) error {
		var w wireOrganization
		if err := json.Unmarshal(raw, &w); err != nil || w.ID == "" {
			c.log.Warn("oparl: skipping an unreadable organization", "err", err)
			return nil
		}
		orgs = append(orgs, w.model())
		return nil
	})
	return orgs, err
}

// MeetingList is the outcome of walking a meeting list.
type MeetingList struct {
	Meetings []Meeting
	// Invalid says, per meeting that could not be read, why; the rest of
	// the list is still usable.
	Invalid []string
	Pages   int
}

// Meetings walks the body's meeting list. A non-zero since asks only for
// meetings modified since then (tombstones included). Referenced locations
// are fetched, once per URL.
func (c *Client) Meetings(ctx context.Context, b Body, since time.Time) (MeetingList, error) {
	var out MeetingList
	var filter url.Values
	if !since.IsZero() {
		filter = url.Values{"modified_since": {since.Format(time.RFC3339)}}
	}
	pages, err := c.walkPages(ctx, b.MeetingList, filter, func(raw json.RawMessage) error {
		m, err := DecodeMeeting(raw, c.zone)
		if err != nil {
			out.Invalid = append(out.Invalid, err.Error())
			return nil
		}
		out.Meetings = append(out.Meetings, m)
		return nil
	})
	out.Pages = pages
	if err != nil {
		return out, err
	}
	return out, c.resolveLocations(ctx, out.Meetings)
}

// resolveLocations fetches referenced locations. A location the server
// does not have (404, 410) leaves the meeting without one, and Sync counts
// it as unmapped; any other failure is the server's trouble and fails the
// walk, so that a flaky server cannot make meetings look unmapped.
func (c *Client) resolveLocations(ctx context.Context, ms []Meeting) error {
	cache := map[string]*Location{}
	for i := range ms {
		ref := ms[i].LocationRef
		if ms[i].Location != nil || ref == "" {
			continue
		}
		l, ok := cache[ref]
		if !ok {
			var w wireLocation
			err := c.getJSON(ctx, ref, &w)
			var he *HTTPError
			switch {
			case errors.As(err, &he) && (he.Status == http.StatusNotFound || he.Status == http.StatusGone):
				c.log.Warn("oparl: meeting references a missing location", "meeting", ms[i].ID, "location", ref)
			case err != nil:
				return err
			default:
				loc := w.model()
				l = &loc
			}
			cache[ref] = l
		}
		ms[i].Location = l
	}
	return nil
}

// walk calls fn for every object of a list.
func (c *Client) walk(ctx context.Context, first string, filter url.Values, fn func(json.RawMessage) error) error {
	_, err := c.walkPages(ctx, first, filter, fn)
	return err
}

// walkPages follows links.next from first, at most MaxPages pages. filter
// is added to every page URL that lacks it: some servers forget the filter
// in their next links, which would turn a delta into a full walk.
func (c *Client) walkPages(ctx context.Context, first string, filter url.Values, fn func(json.RawMessage) error) (int, error) {
	if first == "" {
		return 0, errors.New("oparl: empty list URL")
	}
	seen := map[string]bool{}
	next := first
	pages := 0
	for next != "" {
		if pages == c.maxPages {
			return pages, fmt.Errorf("oparl: %s has more than %d pages (Options.MaxPages); stopped", first, c.maxPages)
		}
		u, err := withFilter(next, filter)
		if err != nil {
			return pages, err
		}
		if seen[u] {
			// A server whose last page links to itself is common enough
			// to be a quirk rather than an error.
			c.log.Warn("oparl: list links back to a page already read; taking it as the end", "url", u)
			break
		}
		seen[u] = true
		body, err := c.get(ctx, u)
		if err != nil {
			return pages, err
		}
		l, err := decodeList(body)
		if err != nil {
			return pages, fmt.Errorf("oparl: GET %s: malformed JSON: %w", u, err)
		}
		pages++
		for _, raw := range l.Data {
			if err := fn(raw); err != nil {
				return pages, err
			}
		}
		next = strings.TrimSpace(string(l.Links.Next))
		if next != "" {
			// Relative next links are a quirk; resolve them against the page.
			base, _ := url.Parse(u)
			ref, err := url.Parse(next)
			if err != nil {
				return pages, fmt.Errorf("oparl: GET %s: links.next %q is not a URL", u, next)
			}
			next = base.ResolveReference(ref).String()
		}
	}
	return pages, nil
}

func withFilter(u string, filter url.Values) (string, error) {
	if len(filter) == 0 {
		return u, nil
	}
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("oparl: list URL %q: %w", u, err)
	}
	q := p.Query()
	changed := false
	for k, v := range filter {
		if !q.Has(k) {
			q[k] = v
			changed = true
		}
	}
	if changed {
		p.RawQuery = q.Encode()
	}
	return p.String(), nil
}
