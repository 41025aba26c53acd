package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
)

// Load reads and parses the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read configuration file: %w", err) // err names the file
	}
	return Parse(data)
}

// Parse applies defaults, then the TOML in data, then Validate. All problems
// come back at once as Errors: syntax (with line and column, then nothing
// else can be said), unknown keys and wrongly typed values (with the index of
// the [[rooms]] table), and failed validation.
func Parse(data []byte) (*Config, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, Errors{syntaxProblem(err)}
	}
	c := defaults()
	d := decoder{bad: map[string]bool{}}
	d.table(raw, c, "")
	c.deriveDefaults()
	problems := d.problems
	if err := c.Validate(); err != nil {
		// A key that had the wrong type kept its default; a validation
		// message about it would only repeat the type error.
		for _, p := range err.(Errors) {
			if !d.covered(p.Path) {
				problems = append(problems, p)
			}
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return c, nil
}

// syntaxProblem turns a TOML parse error into one line that says where.
func syntaxProblem(err error) Problem {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return Problem{Message: err.Error()}
	}
	msg := fmt.Sprintf("syntax error at line %d, column %d: %s", pe.Position.Line, pe.Position.Col, pe.Message)
	if pe.LastKey != "" {
		msg += fmt.Sprintf(" (after key %s)", pe.LastKey)
	}
	// No Path: the parser knows lines, not which [[rooms]] table it was in.
	return Problem{Message: msg}
}

// covered reports whether path is, or lies inside, a key whose value was
// rejected while decoding.
func (d *decoder) covered(path string) bool {
	for bad := range d.bad {
		if path == bad || strings.HasPrefix(path, bad+".") || strings.HasPrefix(path, bad+"[") {
			return true
		}
	}
	return false
}
