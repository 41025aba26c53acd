package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/kogge-project/kogge/integrations/gotomeeting"
)

// runGoTo is `kogge gotomeeting authorize --organizer NAME`: the one-time
// OAuth authorization of an organizer account. The organizer opens the
// printed URL, logs in at GoTo, and the browser lands on the redirect URI
// with ?code=…; that code (or the whole URL) is pasted here. The tokens are
// saved encrypted in the database, by the running daemon if there is one.
func runGoTo(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "authorize" {
		return errors.New("usage: kogge gotomeeting authorize --organizer NAME [-config FILE]")
	}
	fs := flag.NewFlagSet("gotomeeting authorize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default: the demo data dir)")
	organizer := fs.String("organizer", "", "the organizer account, as listed in [providers.gotomeeting] organizers")
	if _, err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	cfg, _, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	g := cfg.Providers.GoToMeeting
	if !cfg.Providers.Uses("gotomeeting") || !slices.Contains(g.Organizers, *organizer) {
		return fmt.Errorf("%q is not a GoToMeeting organizer in the config (providers.gotomeeting.organizers, and gotomeeting in providers.order)", *organizer)
	}
	state := make([]byte, 8)
	rand.Read(state)
	oauth := gotomeeting.OAuthConfig{ClientID: g.ClientID, RedirectURI: g.RedirectURI, AuthURL: g.AuthURL}
	fmt.Fprintf(stdout, "Open this URL as %s and allow access:\n\n  %s\n\nThen paste the code (or the whole address you were sent to): ", *organizer, oauth.AuthCodeURL(hex.EncodeToString(state)))
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("no code read: %w", err)
	}
	code, err := codeFrom(strings.TrimSpace(line), hex.EncodeToString(state))
	if err != nil {
		return err
	}
	ops, err := openAdmin(*cfgPath)
	if err != nil {
		return err
	}
	defer ops.Close()
	if err := ops.AuthorizeGoTo(*organizer, code); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s is authorised; Kogge keeps its newest refresh token.\n", *organizer)
	return nil
}

// codeFrom takes the code itself or the redirect URL holding it (whose
// state must be ours: a URL from another authorization is refused).
func codeFrom(in, state string) (string, error) {
	if !strings.Contains(in, "code=") {
		if in == "" {
			return "", errors.New("no code given")
		}
		return in, nil
	}
	u, err := url.Parse(in)
	if err != nil {
		return "", fmt.Errorf("not a URL: %w", err)
	}
	q := u.Query()
	if s := q.Get("state"); s != "" && s != state {
		return "", errors.New("this address belongs to another authorization (state differs); open the new URL")
	}
	if q.Get("code") == "" {
		return "", errors.New("the address holds no code")
	}
	return q.Get("code"), nil
}
