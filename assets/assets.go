// Package assets holds Kogge's web pages, embedded into the binary: no
// build step, no CDN, no inline script (the CSP is default-src 'self').
package assets

import (
	"embed"
	"html/template"
	"io/fs"
)

//go:embed static
var files embed.FS

//go:embed templates
var templates embed.FS

// Static is the tree served under /assets/ (and index.html at /).
var Static, _ = fs.Sub(files, "static")

// Templates are the server-rendered pages (html/template escapes every
// value, so a booking title can never become markup).
var Templates = template.Must(template.ParseFS(templates, "templates/*.html"))
