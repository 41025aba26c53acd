package web

import (
	"net/http"

	"github.com/kogge-project/kogge/rooms/accounts"
)

func (s *server) listTokens(w http.ResponseWriter, _ *http.Request, c *caller) error {
	owner := c.user.Name
	if c.isAdmin() {
		owner = "" // admins see and revoke every token
	}
	ts, err := s.accounts.Tokens(owner)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []accounts.Token{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": ts})
	return nil
}

func (s *server) createToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in struct {
		Label string `json:"label"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	plain, t, err := s.accounts.CreateToken(c.user.Name, in.Label)
	if err != nil {
		return err
	}
	// The plaintext is shown once; only its hash is stored.
	writeJSON(w, http.StatusCreated, map[string]any{"token": plain, "info": t})
	return nil
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := r.PathValue("id")
	if !c.isAdmin() {
		ts, err := s.accounts.Tokens(c.user.Name)
		if err != nil {
			return err
		}
		owned := false
		for _, t := range ts {
			owned = owned || t.ID == id
		}
		if !owned {
			return accounts.ErrInvalidToken
		}
	}
	if err := s.accounts.RevokeToken(id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) listUsers(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	us, err := s.accounts.Users()
	if err != nil {
		return err
	}
	if us == nil {
		us = []accounts.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
	return nil
}

// UserInput is the body of POST /api/v1/users (the CLI sends it over the control socket).
type UserInput struct {
	Name     string        `json:"name"`
	Role     accounts.Role `json:"role"`
	Password string        `json:"password"`
}

// addUser creates an account. Without a password one is generated and
// returned once.
func (s *server) addUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in UserInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if !in.Role.Valid() {
		return newProblem(http.StatusUnprocessableEntity, "invalid-account", "invalid-account.role")
	}
	generated := in.Password == ""
	if generated {
		in.Password = accounts.GeneratePassword()
	}
	u, err := s.accounts.AddUser(in.Name, in.Role, in.Password)
	if err != nil {
		return err
	}
	out := map[string]any{"user": u}
	if generated {
		out["password"] = in.Password
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// UserPatch is the body of PATCH /api/v1/users/{name}.
type UserPatch struct {
	Disabled      *bool   `json:"disabled"`
	Password      *string `json:"password"`
	ResetPassword bool    `json:"reset_password"`
	DisableTOTP   bool    `json:"disable_totp"`
}

func (s *server) patchUser(w http.ResponseWriter, r *http.Request, _ *caller) error {
	name := r.PathValue("name")
	var in UserPatch
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if _, err := s.accounts.User(name); err != nil {
		return err
	}
	out := map[string]any{}
	if in.Disabled != nil {
		if err := s.accounts.SetDisabled(name, *in.Disabled); err != nil {
			return err
		}
	}
	if in.ResetPassword && in.Password == nil {
		p := accounts.GeneratePassword()
		in.Password, out["password"] = &p, p
	}
	if in.Password != nil {
		if err := s.accounts.SetPassword(name, *in.Password); err != nil {
			return err
		}
	}
	if in.DisableTOTP {
		if err := s.accounts.DisableTOTP(name); err != nil {
			return err
		}
	}
	u, err := s.accounts.User(name)
	if err != nil {
		return err
	}
	out["user"] = u
	writeJSON(w, http.StatusOK, out)
	return nil
}
