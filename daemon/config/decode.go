package config

import (
	"encoding"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

// decoder copies a parsed TOML tree (maps, slices, scalars from BurntSushi)
// onto a struct that already holds the defaults.
//
// We decode ourselves instead of with toml.Decode into the struct because the
// library stops at the first type error, reports [[rooms]] keys without their
// index ("rooms.capcity"), and matches keys case-insensitively, so "Capacity"
// would pass unnoticed. Here every problem is collected with its full path,
// keys must match exactly, and a bad value only skips that key.
type decoder struct {
	problems Errors
	bad      map[string]bool // paths whose value was rejected
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// elementDefaults: the elements of these tables start from their defaults,
// not from zero values.
var elementDefaults = map[reflect.Type]func() any{
	reflect.TypeFor[Room](): func() any { return defaultRoom() },
	reflect.TypeFor[Job]():  func() any { return defaultJob() },
}

func (d *decoder) fail(path, format string, args ...any) {
	d.problems.add(path, format, args...)
	d.bad[path] = true
}

// table decodes a TOML table onto the struct dst points to.
func (d *decoder) table(tbl map[string]any, dst any, path string) {
	d.structValue(tbl, reflect.ValueOf(dst).Elem(), path)
}

func (d *decoder) structValue(tbl map[string]any, v reflect.Value, path string) {
	fields := map[string][]int{} // toml name -> field index path
	tomlFields(v.Type(), nil, fields)
	// Sorted so that the problems come out in the same order every run.
	for _, key := range slices.Sorted(maps.Keys(tbl)) {
		p := join(path, key)
		i, ok := fields[key]
		if !ok {
			// Not marked bad: the other keys' validation still stands.
			d.problems.add(p, "unknown key%s", suggest(key, maps.Keys(fields)))
			continue
		}
		d.value(tbl[key], v.FieldByIndex(i), p)
	}
}

// tomlFields collects a struct's keys; the keys of an embedded struct
// without a tag belong to the embedding table (as in encoding/json).
func tomlFields(t reflect.Type, prefix []int, into map[string][]int) {
	for i := range t.NumField() {
		f := t.Field(i)
		idx := append(slices.Clone(prefix), i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		switch {
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			tomlFields(f.Type, idx, into)
		case name != "" && name != "-":
			into[name] = idx
		}
	}
}

// value decodes one TOML value into v, reporting a mismatch at path.
func (d *decoder) value(raw any, v reflect.Value, path string) {
	if reflect.PointerTo(v.Type()).Implements(textUnmarshaler) {
		s, ok := raw.(string)
		if !ok {
			d.fail(path, "must be a quoted string, not %s", tomlType(raw))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			d.fail(path, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		switch x := raw.(type) {
		case string:
			v.SetString(x)
		case time.Time:
			// bookable_from = 07:00 without quotes is a TOML local time.
			if x.Location().String() != "time-local" || x.Second() != 0 || x.Nanosecond() != 0 {
				d.fail(path, "must be a quoted string, not %s", tomlType(raw))
				return
			}
			v.SetString(x.Format("15:04"))
		default:
			d.fail(path, "must be a quoted string, not %s", tomlType(raw))
		}
	case reflect.Int:
		x, ok := raw.(int64)
		if !ok {
			d.fail(path, "must be an integer, not %s", tomlType(raw))
			return
		}
		v.SetInt(x)
	case reflect.Bool:
		x, ok := raw.(bool)
		if !ok {
			d.fail(path, "must be true or false, not %s", tomlType(raw))
			return
		}
		v.SetBool(x)
	case reflect.Struct:
		x, ok := raw.(map[string]any)
		if !ok {
			d.fail(path, "must be a table, not %s", tomlType(raw))
			return
		}
		d.structValue(x, v, path)
	case reflect.Slice:
		d.slice(raw, v, path)
	case reflect.Map:
		x, ok := raw.(map[string]any)
		if !ok {
			d.fail(path, "must be a table, not %s", tomlType(raw))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(x))
		for _, key := range slices.Sorted(maps.Keys(x)) {
			elem := reflect.New(v.Type().Elem()).Elem()
			d.value(x[key], elem, path+"."+key)
			m.SetMapIndex(reflect.ValueOf(key), elem)
		}
		v.Set(m)
	default:
		panic(fmt.Sprintf("config: no decoding for %s at %s", v.Type(), path)) // a programming error in Config
	}
}

// slice decodes an array; an array of tables arrives as []map[string]any.
func (d *decoder) slice(raw any, v reflect.Value, path string) {
	var elems []any
	switch x := raw.(type) {
	case []any:
		elems = x
	case []map[string]any:
		for _, m := range x {
			elems = append(elems, m)
		}
	default:
		if v.Type().Elem().Kind() == reflect.Struct {
			d.fail(path, "must be an array of tables, written [[%s]], not %s", path, tomlType(raw))
		} else {
			d.fail(path, "must be an array, not %s", tomlType(raw))
		}
		return
	}
	out := reflect.MakeSlice(v.Type(), len(elems), len(elems))
	before := len(d.problems)
	for i, e := range elems {
		if def, ok := elementDefaults[v.Type().Elem()]; ok {
			out.Index(i).Set(reflect.ValueOf(def()))
		}
		d.value(e, out.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	if len(d.problems) > before && v.Type().Elem().Kind() != reflect.Struct {
		// A list of scalars with a bad element is rejected as a whole (and
		// keeps its default), so it is not validated with a hole in it.
		// Tables are kept: each room's other keys are still worth checking.
		d.bad[path] = true
		return
	}
	v.Set(out)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// tomlType names a decoded value's TOML type for messages.
func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date/time"
	case []any:
		return "an array"
	case []map[string]any:
		return "an array of tables"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}
