package oparl

import (
	"strings"
	"unicode"

	"github.com/kogge-project/kogge/rooms"
)

// Council or committee. OParl's organizationType says "Gremium" for both,
// and classification is free text: one vendor puts the council and every
// committee in a single class "Gremien", another leaves it empty. So the
// kind is decided in this order, the first that knows wins:
//
//  1. the configuration's override for the organization's id;
//  2. the configuration's kind for its classification;
//  3. the words of its classification, then of its organizationType;
//  4. the words of its name, then of its short name;
//  5. committee.
//
// "The words" of a text: a committee word anywhere (Ausschuss, Beirat,
// Kommission, Ortschaftsrat, …) makes it a committee, else a council word
// (Rat, Gemeinderat, Stadtrat, Kreistag, Bürgerschaft, …, Parlament) a
// council; committee words go first because a committee is often named
// after its council ("Bauausschuss des Stadtrates"). Words are compared
// whole, with German genitive endings allowed ("des Rates", "Stadtrats"),
// so that Ortschaftsrat or Seniorenrat never read as Rat.

// councilWords name the elected assembly of a body.
var councilWords = []string{
	"rat", "gemeinderat", "stadtrat", "samtgemeinderat", "ratsversammlung", "bürgerschaft", "kreistag",
	"stadtverordnetenversammlung", "gemeindevertretung", "stadtvertretung", "kreisversammlung",
	"bezirkstag", "regionsversammlung", "regionalversammlung", "verbandsversammlung", "städteregionstag",
	"landschaftsversammlung", "parlament", "stadtparlament", "gemeindeparlament", "vollversammlung",
}

// committeeStems make a committee wherever they occur in a word
// (Bauausschuss, Jugendhilfeausschuss, Seniorenbeirat).
var committeeStems = []string{"ausschuss", "ausschuß", "beirat", "kommission", "arbeitskreis", "arbeitsgruppe", "unterausschuss"}

// committeeWords are committees whose name ends like a council's.
var committeeWords = []string{
	"ortschaftsrat", "ortsrat", "ortsbeirat", "bezirksrat", "stadtbezirksrat", "bezirksvertretung", "ältestenrat",
	"seniorenrat", "jugendrat", "integrationsrat", "ausländerrat", "behindertenrat",
}

// kindOfWords returns the kind text names, if it names one.
func kindOfWords(text string) (rooms.Kind, bool) {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) })
	for _, w := range words {
		for _, stem := range committeeStems {
			if strings.Contains(w, stem) {
				return rooms.KindCommittee, true
			}
		}
		if inflectionOf(w, committeeWords) {
			return rooms.KindCommittee, true
		}
	}
	for _, w := range words {
		if inflectionOf(w, councilWords) {
			return rooms.KindCouncil, true
		}
	}
	return "", false
}

// inflectionOf reports whether w is one of words, bare or with a genitive
// or plural ending.
func inflectionOf(w string, words []string) bool {
	for _, base := range words {
		if rest, ok := strings.CutPrefix(w, base); ok {
			switch rest {
			case "", "s", "es", "e", "en":
				return true
			}
		}
	}
	return false
}

// kind decides the booking kind of an organization's meetings.
func (m Mapping) kind(o Organization) rooms.Kind {
	if k, ok := m.KindByOrganization[o.ID]; ok && o.ID != "" {
		return k
	}
	c := strings.TrimSpace(o.Classification)
	for k, v := range m.KindByClassification {
		if c != "" && strings.EqualFold(k, c) {
			return v
		}
	}
	for _, text := range []string{o.Classification, o.Type, o.Name, o.ShortName} {
		if k, ok := kindOfWords(text); ok {
			return k
		}
	}
	return rooms.KindCommittee
}
