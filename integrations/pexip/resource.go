package pexip

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// meta is Tastypie's pagination envelope header.
type meta struct {
	Limit      int     `json:"limit"`
	Next       *string `json:"next"`
	Offset     int     `json:"offset"`
	Previous   *string `json:"previous"`
	TotalCount int     `json:"total_count"`
}

type envelope struct {
	Meta    meta              `json:"meta"`
	Objects []json.RawMessage `json:"objects"`
}

// maxPages stops a server whose meta.next never becomes null.
const maxPages = 10000

// list GETs every page of l, following meta.next until it is null.
func (c *Client) list(ctx context.Context, l ListURL, q url.Values, each func(json.RawMessage) error) error {
	next := l.path
	if len(q) > 0 {
		next += "?" + q.Encode()
	}
	for range maxPages {
		resp, err := c.send(ctx, http.MethodGet, next, nil)
		if err != nil {
			return err
		}
		var env envelope
		if err := json.Unmarshal(resp.body, &env); err != nil {
			return fmt.Errorf("pexip: GET %s: decoding list: %w", next, err)
		}
		for _, o := range env.Objects {
			if err := each(o); err != nil {
				return err
			}
		}
		if env.Meta.Next == nil || *env.Meta.Next == "" {
			return nil
		}
		n := *env.Meta.Next
		if i := strings.Index(n, "/api/admin/"); i > 0 {
			n = n[i:] // absolute next links point at the same node
		}
		if n == next {
			return fmt.Errorf("pexip: GET %s: meta.next points to itself", next)
		}
		next = n
	}
	return fmt.Errorf("pexip: GET %s: more than %d pages", l.path, maxPages)
}

// create POSTs to a collection and returns the new object's URL from the
// Location header (201 Created, usually empty body).
func (c *Client) create(ctx context.Context, l ListURL, v any) (ObjectURL, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return ObjectURL{}, err
	}
	resp, err := c.send(ctx, http.MethodPost, l.path, body)
	if err != nil {
		return ObjectURL{}, err
	}
	loc := resp.header.Get("Location")
	o, err := ParseObjectURL(loc)
	if err != nil {
		return ObjectURL{}, fmt.Errorf("pexip: POST %s: %d with bad Location %q", l.path, resp.status, loc)
	}
	return o, nil
}

func (c *Client) get(ctx context.Context, o ObjectURL, out any) error {
	resp, err := c.send(ctx, http.MethodGet, o.path, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return fmt.Errorf("pexip: GET %s: decoding: %w", o.path, err)
	}
	return nil
}

// patch sends a partial update of one object (202 or 204).
func (c *Client) patch(ctx context.Context, o ObjectURL, fields map[string]any) error {
	body, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, http.MethodPatch, o.path, body)
	return err
}

func (c *Client) delete(ctx context.Context, o ObjectURL) error {
	_, err := c.send(ctx, http.MethodDelete, o.path, nil)
	return err
}
