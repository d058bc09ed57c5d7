package sqlmap

import (
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// container returns the object that holds the column's attribute: the
// resource's attributes or its extension's object, created when make is
// true.
func (c *column) container(attrs map[string]any, make bool) map[string]any {
	if c.ext == "" {
		return attrs
	}
	ext, _ := attrs[c.ext].(map[string]any)
	if ext == nil && make {
		ext = map[string]any{}
		attrs[c.ext] = ext
	}
	return ext
}

// get returns the column's value in a canonical resource, nil when absent.
func (c *column) get(attrs map[string]any) any {
	obj := c.container(attrs, false)
	if obj == nil {
		return nil
	}
	v := obj[c.attr.Name]
	if c.sub == nil {
		return v
	}
	if c.attr.MultiValued {
		v = c.pick(v)
	}
	m, _ := v.(map[string]any)
	if m == nil {
		return nil
	}
	return m[c.sub.Name]
}

// pick chooses the one value of a multi-valued attribute a column keeps:
// the primary one, else the one of the column's type, else the first.
func (c *column) pick(v any) any {
	list, _ := v.([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["primary"] == true {
			return m
		}
	}
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && c.Type != "" && strings.EqualFold(str(m["type"]), c.Type) {
			return m
		}
	}
	if len(list) > 0 {
		return list[0]
	}
	return nil
}

func str(v any) string { s, _ := v.(string); return s }

// set puts a value read from the column into a resource being built.
func (c *column) set(attrs map[string]any, v any) {
	if v == nil {
		return
	}
	obj := c.container(attrs, true)
	if c.sub == nil {
		obj[c.attr.Name] = v
		return
	}
	if c.attr.MultiValued {
		list, _ := obj[c.attr.Name].([]any)
		if len(list) == 0 {
			elem := map[string]any{"primary": true}
			if c.Type != "" {
				elem["type"] = c.Type
			}
			list = []any{elem}
			obj[c.attr.Name] = list
		}
		list[0].(map[string]any)[c.sub.Name] = v
		return
	}
	m, _ := obj[c.attr.Name].(map[string]any)
	if m == nil {
		m = map[string]any{}
		obj[c.attr.Name] = m
	}
	m[c.sub.Name] = v
}

// typ is the attribute type of the column's value.
func (c *column) typ() schema.Type {
	if c.sub != nil {
		return c.sub.Type
	}
	return c.attr.Type
}

// arg returns the SQL argument that stores v: NULL for an absent value or
// an empty string.
func (s *Store) arg(c *column, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
	}
	return v
}

// value converts a scanned column value to the attribute's type; NULL and
// empty strings are absent (nil).
func (c *column) value(v any) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch c.typ() {
	case schema.Boolean:
		switch x := v.(type) {
		case bool:
			return x
		case int64:
			return x != 0
		case string:
			b, err := strconv.ParseBool(x)
			if err != nil {
				return nil
			}
			return b
		}
		return nil
	case schema.Integer:
		switch x := v.(type) {
		case int64:
			return x
		case float64:
			return int64(x)
		case string:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return nil
			}
			return n
		}
		return nil
	case schema.Decimal:
		switch x := v.(type) {
		case float64:
			return x
		case int64:
			return float64(x)
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return nil
			}
			return f
		}
		return nil
	}
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return nil
}

// timeArg is how a timestamp is written: text in SQLite, whose columns
// have no time type, and a time in PostgreSQL.
func (s *Store) timeArg(t time.Time) any {
	if s.d != sqlstore.Postgres {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return t.UTC()
}

// toTime reads a scanned timestamp; the zero time when it cannot.
func toTime(v any) time.Time {
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case []byte:
		return toTime(string(x))
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC()
			}
		}
	}
	return time.Time{}
}

// foldArg is what a fold column holds for the argument v of its column:
// filter.FoldString of a string, NULL for no value.
func foldArg(v any) any {
	if str, ok := v.(string); ok {
		return filter.FoldString(str)
	}
	return nil
}
