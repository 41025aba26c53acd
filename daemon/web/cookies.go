package web

import (
	"net/http"
	"time"
)

// The browser's credentials: the session cookie a login sets and a
// paired panel's device cookie. auth.go reads them and clears a stale
// one; the session and pairing handlers set them.

const sessionCookie = "kogge_session"

const (
	panelCookie = "kogge_panel"
	// panelCookieAge is long: a panel on a wall is paired once; an admin
	// revokes it when it is replaced or lost.
	panelCookieAge = 400 * 24 * time.Hour
)

func (s *server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *server) setPanelCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: panelCookie, Value: token, Path: "/", MaxAge: int(panelCookieAge / time.Second),
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteStrictMode})
}

func (s *server) clearPanelCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: panelCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteStrictMode})
}
