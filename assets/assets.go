// Package assets holds Kogge's web pages, embedded into the binary: no
// build step, no CDN, no inline script (the CSP is default-src 'self').
package assets

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// Static is the tree served under /assets/ (and index.html at /).
var Static, _ = fs.Sub(files, "static")
