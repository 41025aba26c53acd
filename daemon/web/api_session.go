package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/kogge-project/kogge/rooms/accounts"
)

type loginInput struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Code     string `json:"code"`
}

type sessionView struct {
	User          accounts.User `json:"user"`
	Expires       time.Time     `json:"expires,omitzero"`
	MustEnrolTOTP bool          `json:"must_enrol_totp"`
	Via           string        `json:"via"`
	// Now is the server's clock: pages take "today" from it, not from a
	// browser whose clock may be off.
	Now time.Time `json:"now"`
}

func sessionOf(c *caller) sessionView {
	v := sessionView{User: c.user, Via: "session"}
	switch {
	case c.session != nil:
		v.Expires, v.MustEnrolTOTP = c.session.Expires, c.session.MustEnrolTOTP
	case c.token:
		v.Via = "token"
	case c.local:
		v.Via = "control-socket"
	}
	return v
}

// login answers POST /session: password plus, when enrolled, a TOTP code.
func (s *server) login(w http.ResponseWriter, r *http.Request, _ *caller) error {
	var in loginInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	token, sess, u, err := s.accounts.Login(in.Name, in.Password, in.Code, clientAddr(r))
	if err != nil {
		return err
	}
	// Max-Age, not Expires: it counts on the browser's own clock, so a
	// panel or laptop whose clock is off still keeps its session.
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", MaxAge: max(1, int(sess.Expires.Sub(s.now()).Seconds())),
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode,
	})
	v := sessionOf(&caller{user: u, session: &sess})
	v.Now = s.now().UTC()
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *server) whoami(w http.ResponseWriter, _ *http.Request, c *caller) error {
	v := sessionOf(c)
	v.Now = s.now().UTC()
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *server) logout(w http.ResponseWriter, r *http.Request, c *caller) error {
	if c.session != nil {
		ck, _ := r.Cookie(sessionCookie)
		if err := s.accounts.Logout(ck.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// beginTOTP starts (re-)enrolment of a second factor. It asks for the
// password, and the current code when a factor exists, so that a borrowed
// or stolen session cannot swap the factor for the thief's own. The check
// is a full login (rate limits, audit, code replay) whose session is
// dropped at once.
func (s *server) beginTOTP(w http.ResponseWriter, r *http.Request, c *caller) error {
	if c.session == nil {
		return errForbidden // the enrolment belongs to one browser session
	}
	var in struct {
		Password string `json:"password"`
		Code     string `json:"code"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	token, _, _, err := s.accounts.Login(c.user.Name, in.Password, in.Code, clientAddr(r))
	if err != nil {
		return err
	}
	if err := s.accounts.Logout(token); err != nil {
		return err
	}
	secret, url, err := s.accounts.BeginTOTP(c.user.Name, c.session.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"secret": secret, "otpauth_url": url})
	return nil
}

// confirmTOTP completes the enrolment begun by the same session (see
// accounts.ConfirmTOTP): another session of the user gets 409
// totp-not-pending, as does one whose enrolment expired.
func (s *server) confirmTOTP(w http.ResponseWriter, r *http.Request, c *caller) error {
	if c.session == nil {
		return errForbidden
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.accounts.ConfirmTOTP(c.user.Name, c.session.ID, in.Code); err != nil {
		if errors.Is(err, accounts.ErrInvalidCredentials) {
			// A mistyped code during setup is not a failed login.
			return newProblem(http.StatusUnprocessableEntity, "invalid-code", "invalid-code")
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
