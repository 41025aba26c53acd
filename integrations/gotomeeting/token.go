package gotomeeting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Token is what we keep per organizer. The refresh token is the valuable
// part: GoTo rotates it only sometimes, so the newest one must always win.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry"`
	Principal    string    `json:"principal,omitempty"` // the user's email
}

// TokenStore persists tokens per organizer (bbolt + encryption live
// elsewhere; this package only needs Load/Save).
type TokenStore interface {
	Load(organizer string) (Token, error)
	Save(organizer string, t Token) error
}

// MemoryTokenStore is a TokenStore for tests and demo mode.
type MemoryTokenStore struct {
	mu sync.Mutex
	m  map[string]Token
}

func (s *MemoryTokenStore) Load(org string) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[org]
	if !ok {
		return Token{}, fmt.Errorf("gotomeeting: no token for organizer %q: %w", org, ErrNotFound)
	}
	return t, nil
}

func (s *MemoryTokenStore) Save(org string, t Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]Token{}
	}
	s.m[org] = t
	return nil
}

// OAuthConfig describes the one OAuth client all organizers authorise.
type OAuthConfig struct {
	ClientID, ClientSecret string
	RedirectURI            string
	// AuthURL and TokenURL default to authentication.logmeininc.com; the
	// legacy api.getgo.com endpoints are decommissioned and only reachable
	// by override.
	AuthURL, TokenURL string
}

const (
	DefaultAuthURL  = "https://authentication.logmeininc.com/oauth/authorize"
	DefaultTokenURL = "https://authentication.logmeininc.com/oauth/token"
)

// AuthCodeURL is the URL an organizer opens once to authorise the app.
func (o OAuthConfig) AuthCodeURL(state string) string {
	base := o.AuthURL
	if base == "" {
		base = DefaultAuthURL
	}
	v := url.Values{"client_id": {o.ClientID}, "response_type": {"code"}, "redirect_uri": {o.RedirectURI}}
	if state != "" {
		v.Set("state", state)
	}
	return base + "?" + v.Encode()
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	Principal    string `json:"principal"`
}

type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

// tokenRequest posts a grant to the token endpoint (Basic client auth,
// form body, RFC 6749 errors).
func (o OAuthConfig) tokenRequest(ctx context.Context, hc *http.Client, form url.Values, now time.Time) (Token, error) {
	tu := o.TokenURL
	if tu == "" {
		tu = DefaultTokenURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tu, strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, err
	}
	req.SetBasicAuth(o.ClientID, o.ClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("gotomeeting: token endpoint: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Token{}, fmt.Errorf("gotomeeting: token endpoint: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var oe oauthError
		_ = json.Unmarshal(body, &oe)
		if oe.Code == "invalid_grant" {
			return Token{}, fmt.Errorf("%w: %s", ErrInvalidGrant, oe.Description)
		}
		return Token{}, fmt.Errorf("gotomeeting: token endpoint HTTP %d: %s %s", resp.StatusCode, oe.Code, oe.Description)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return Token{}, fmt.Errorf("gotomeeting: token endpoint: bad response")
	}
	return Token{
		AccessToken:  tr.AccessToken,
		RefreshToken: tr.RefreshToken,
		Expiry:       now.Add(time.Duration(tr.ExpiresIn) * time.Second),
		Principal:    tr.Principal,
	}, nil
}

// Exchange trades a one-time authorization code for the organizer's first
// tokens and saves them.
func (c *Client) Exchange(ctx context.Context, code string) (Token, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}}
	if c.cfg.OAuth.RedirectURI != "" {
		form.Set("redirect_uri", c.cfg.OAuth.RedirectURI)
	}
	t, err := c.cfg.OAuth.tokenRequest(ctx, c.hc, form, time.Now())
	if err != nil {
		return Token{}, err
	}
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if err := c.cfg.Store.Save(c.organizer, t); err != nil {
		return Token{}, err
	}
	c.tok = t
	return t, nil
}

// expiryMargin refreshes a little early so a token does not expire in
// flight.
const expiryMargin = time.Minute

// accessToken returns a usable access token, refreshing if it expired.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if c.tok.AccessToken == "" && c.tok.RefreshToken == "" {
		t, err := c.cfg.Store.Load(c.organizer)
		if err != nil {
			return "", err
		}
		c.tok = t
	}
	if c.tok.AccessToken != "" && time.Now().Add(expiryMargin).Before(c.tok.Expiry) {
		return c.tok.AccessToken, nil
	}
	return c.refreshLocked(ctx)
}

// forceRefresh is called after the API rejected `stale`. If another
// goroutine already replaced it, its new token is used instead of burning
// another refresh (which could also race a refresh-token rotation).
func (c *Client) forceRefresh(ctx context.Context, stale string) (string, error) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if c.tok.AccessToken != "" && c.tok.AccessToken != stale {
		return c.tok.AccessToken, nil
	}
	return c.refreshLocked(ctx)
}

// RefreshNow refreshes unconditionally; run it at least daily so the
// refresh token stays alive and invalid_grant is noticed early.
func (c *Client) RefreshNow(ctx context.Context) error {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if c.tok.RefreshToken == "" {
		t, err := c.cfg.Store.Load(c.organizer)
		if err != nil {
			return err
		}
		c.tok = t
	}
	_, err := c.refreshLocked(ctx)
	return err
}

func (c *Client) refreshLocked(ctx context.Context) (string, error) {
	if c.tok.RefreshToken == "" {
		return "", fmt.Errorf("gotomeeting: organizer %q has no refresh token: %w", c.organizer, ErrInvalidGrant)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {c.tok.RefreshToken}}
	t, err := c.cfg.OAuth.tokenRequest(ctx, c.hc, form, time.Now())
	if err != nil {
		return "", err
	}
	// The response carries a refresh token only when GoTo rotated it; keep
	// the one we have otherwise.
	if t.RefreshToken == "" {
		t.RefreshToken = c.tok.RefreshToken
	}
	if t.Principal == "" {
		t.Principal = c.tok.Principal
	}
	// Keep it in memory even if saving fails: after a rotation the old
	// refresh token is dead, so memory holds the only working one.
	c.tok = t
	// Save before use: a rotated refresh token that is only in memory is
	// lost on a crash.
	if err := c.cfg.Store.Save(c.organizer, t); err != nil {
		return "", errors.Join(errors.New("gotomeeting: saving refreshed token"), err)
	}
	return t.AccessToken, nil
}
