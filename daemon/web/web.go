package web

import (
	"io/fs"
	"net/http"

	"github.com/kogge-project/kogge/assets"
)

// The booking page, its embedded scripts and styles, and the problem that
// answers any other path.

var staticFiles = http.FileServerFS(assets.Static)

// index serves the booking page; it holds no data, which comes from the
// API after login.
func (s *server) index(w http.ResponseWriter, r *http.Request, _ *caller) error {
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFileFS(w, r, assets.Static, "index.html")
	return nil
}

// asset serves the embedded scripts and styles.
func (s *server) asset(w http.ResponseWriter, r *http.Request, c *caller) error {
	if st, err := fs.Stat(assets.Static, r.PathValue("file")); err != nil || st.IsDir() {
		return s.notFound(w, r, c)
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.StripPrefix("/assets", staticFiles).ServeHTTP(w, r)
	return nil
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request, _ *caller) error {
	return newProblem(http.StatusNotFound, "no-such-endpoint", "no-such-endpoint", "path", r.URL.Path)
}
