package web

import (
	"net/http"
	"net/url"

	"github.com/kogge-project/kogge/assets"
)

// The panel's pages. Both are shells: the data comes from the panel API,
// which needs the panel cookie (or a staff login).

// panelPairPage serves GET /panel: a new panel shows its pairing code. A
// panel that is paired already goes to its room.
func (s *server) panelPairPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	if c != nil && c.panel != nil {
		http.Redirect(w, r, "/panel/"+url.PathEscape(c.panel.Room), http.StatusSeeOther)
		return nil
	}
	return s.panelTemplate(w, "panel_pair.html", nil)
}

// panelPage serves GET /panel/{room}. Without a panel cookie or a staff
// login it sends the tablet to pairing; a panel of another room goes to
// its own.
func (s *server) panelPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	switch {
	case c == nil || (c.panel == nil && c.user.Role == ""):
		http.Redirect(w, r, "/panel", http.StatusSeeOther)
		return nil
	case c.panel != nil && c.panel.Room != r.PathValue("room"):
		http.Redirect(w, r, "/panel/"+url.PathEscape(c.panel.Room), http.StatusSeeOther)
		return nil
	}
	room, err := s.panelRoom(r)
	if err != nil {
		return err
	}
	return s.panelTemplate(w, "panel.html", map[string]string{"Room": room.ID, "RoomName": room.Name})
}

func (s *server) panelTemplate(w http.ResponseWriter, name string, data any) error {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	return assets.Templates.ExecuteTemplate(w, name, data)
}
