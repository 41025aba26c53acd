package pexip

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// API roots below the management node's host. Every Tastypie path ends in a
// slash; without it Pexip answers 404 or 301.
const (
	configPrefix = "/api/admin/configuration/v1/"
	statusPrefix = "/api/admin/status/v1/"
)

// ListURL names a collection such as .../conference/. On Pexip, PUT on a list
// replaces the whole collection and DELETE deletes every object, so the
// client offers only GET (paginated) and POST for ListURL; PUT, PATCH and
// DELETE exist only on ObjectURL. Keeping the two as distinct types makes the
// dangerous calls impossible to write, not merely discouraged.
type ListURL struct{ path string }

// ObjectURL names one object such as .../conference/42/. It is also the
// "resource URI" Pexip uses for foreign keys.
type ObjectURL struct{ path string }

// Collections used by Kogge.
var (
	Conferences       = ListURL{configPrefix + "conference/"}
	ConferenceAliases = ListURL{configPrefix + "conference_alias/"}
	StatusConferences = ListURL{statusPrefix + "conference/"}
	StatusParticipant = ListURL{statusPrefix + "participant/"}
	StatusLicensing   = ListURL{statusPrefix + "licensing/"}
)

// Path returns the absolute path with its trailing slash.
func (l ListURL) Path() string { return l.path }

// Object returns the URL of the object with the given numeric ID.
func (l ListURL) Object(id int) ObjectURL {
	return ObjectURL{l.path + strconv.Itoa(id) + "/"}
}

// Path returns the absolute path with its trailing slash; use it as a
// resource URI in foreign-key fields and filters.
func (o ObjectURL) Path() string { return o.path }

// ID is the numeric ID at the end of the path.
func (o ObjectURL) ID() int {
	id, _, _ := splitObject(o.path)
	return id
}

func (o ObjectURL) String() string { return o.path }
func (l ListURL) String() string   { return l.path }

// idRE is the documented way to pull the ID from a Location header.
var idRE = regexp.MustCompile(`/(\d+)/?$`)

// ParseObjectURL accepts a Location header or resource URI (absolute URL or
// path, with or without trailing slash) of an object in one of the known
// collections, and normalises it to the slash-terminated path.
func ParseObjectURL(s string) (ObjectURL, error) {
	if i := strings.Index(s, "/api/admin/"); i > 0 {
		s = s[i:] // drop scheme and host from Location
	}
	id, list, ok := splitObject(s)
	if !ok {
		return ObjectURL{}, fmt.Errorf("pexip: %q is not an object URI", s)
	}
	return list.Object(id), nil
}

func splitObject(p string) (int, ListURL, bool) {
	m := idRE.FindStringSubmatchIndex(p)
	if m == nil {
		return 0, ListURL{}, false
	}
	id, err := strconv.Atoi(p[m[2]:m[3]])
	if err != nil {
		return 0, ListURL{}, false
	}
	list := p[:m[0]+1]
	if !strings.HasPrefix(list, "/api/admin/") {
		return 0, ListURL{}, false
	}
	return id, ListURL{list}, true
}
