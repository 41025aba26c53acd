package problems

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/rooms"
)

// Which argument of a call names a problem type ("code") and which a
// detail template ("key"), by function: the daemon's and the rooms
// package's ways of making problems.
var makers = map[string]struct{ code, key int }{
	"newProblem":        {1, 2},
	"stateProblem":      {-1, 0},
	"badQuery":          {-1, 1},
	"invalidJoin":       {-1, 1},
	"fieldProblem":      {-1, 1},
	"invalidCredential": {-1, 1},
	"ruleError":         {-1, 0},
	"add":               {1, 2}, // rooms: e.add(field, code, key, …)
}

// TestEveryProblemIsInTheCatalogue reads the daemon's (main and web) and the rooms
// package's sources: every literal problem type must have a title and
// every literal detail key a text, so no problem reaches a reader
// without words (a key the catalogue lacks would show as the key).
func TestEveryProblemIsInTheCatalogue(t *testing.T) {
	consts := map[string]string{ // rooms.Code… constants used as codes
		"CodeInvalidField": rooms.CodeInvalidField, "CodeUnknownRoom": rooms.CodeUnknownRoom,
		"CodeEndNotAfter": rooms.CodeEndNotAfter, "CodeTooLong": rooms.CodeTooLong,
		"CodeOutsideHours": rooms.CodeOutsideHours, "CodeInPast": rooms.CodeInPast,
		"CodeMisalignedMin": rooms.CodeMisalignedMin, "CodeTooFarAhead": rooms.CodeTooFarAhead,
		"CodeInvalidRule": rooms.CodeInvalidRule, "CodeTooManyOccurrences": rooms.CodeTooManyOccurrences,
	}
	literal := func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if s, err := strconv.Unquote(e.Value); err == nil {
				return s, true
			}
		case *ast.Ident:
			s, ok := consts[e.Name]
			return s, ok
		case *ast.SelectorExpr:
			s, ok := consts[e.Sel.Name]
			return s, ok
		}
		return "", false
	}
	calls := 0
	for _, dir := range []string{"..", "../web", "../../rooms"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, f := range files {
			if filepath.Ext(f) != ".go" || len(f) > 8 && f[len(f)-8:] == "_test.go" {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				var name string
				switch fn := call.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				m, ok := makers[name]
				if !ok || len(call.Args) <= m.key || (name == "add" && len(call.Args) < 5) {
					return true
				}
				calls++
				where := fset.Position(call.Pos()).String()
				if m.code >= 0 {
					if code, ok := literal(call.Args[m.code]); ok {
						if _, ok := Title(DE, code); !ok {
							t.Errorf("%s: problem type %q has no title", where, code)
						}
					}
				}
				if key, ok := literal(call.Args[m.key]); ok && key != "" && !Has(key) {
					t.Errorf("%s: no text %q", where, key)
				}
				return true
			})
		}
	}
	if calls < 100 {
		t.Fatalf("found only %d problem calls; did the sources move?", calls)
	}
	// Keys made at run time from values.
	for _, code := range []string{broker.ReasonExcluded, broker.ReasonDown, broker.ReasonLicences, broker.ReasonConfidentialGoTo,
		broker.ReasonConfidential, broker.ReasonParticipants, broker.ReasonDialIn, broker.ReasonDuration} {
		if !Has("reason." + code) {
			t.Errorf("no text for provider reason %q", code)
		}
	}
	for _, k := range []broker.Kind{broker.KindBuiltin, broker.KindGoToMeeting, broker.KindPexip} {
		if !Has("provider." + string(k)) {
			t.Errorf("no name for provider kind %q", k)
		}
	}
	for _, s := range []rooms.Status{rooms.StatusTentative, rooms.StatusConfirmed, rooms.StatusCancelled,
		rooms.StatusCheckedIn, rooms.StatusReleased, rooms.StatusEnded} {
		if !Has("status." + string(s)) {
			t.Errorf("no word for status %q", s)
		}
	}
	for _, f := range []string{"title", "organizer", "committee", "notes", "setup", "teardown"} {
		if !Has("field." + f) {
			t.Errorf("no name for field %q", f)
		}
	}
}
