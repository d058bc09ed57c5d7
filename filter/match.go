package filter

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/scimkit/scim/schema"
)

// Match reports whether the resource document doc (the full JSON object of
// a resource, as scim.Document builds it: schemas, id, attributes with
// extensions under their URN key, meta) satisfies e. A comparison on an
// attribute the schema does not define is false; a multi-valued attribute
// matches when any of its values does.
func Match(e Expr, doc map[string]any) bool {
	switch e := e.(type) {
	case *Compare:
		return e.match(attrValue(doc, e.Path))
	case *Logical:
		if e.Op == And {
			return Match(e.Left, doc) && Match(e.Right, doc)
		}
		return Match(e.Left, doc) || Match(e.Right, doc)
	case *Not:
		return !Match(e.X, doc)
	case *ValuePath:
		if e.Path.Attr == nil {
			return false
		}
		values, _ := attrValue(doc, AttrPath{Name: e.Path.Name, Target: schema.Target{Extension: e.Path.Extension, Attr: e.Path.Attr}}).([]any)
		for _, v := range values {
			if m, ok := v.(map[string]any); ok && MatchValue(e.Filter, m) {
				return true
			}
		}
	}
	return false
}

// MatchValue reports whether elem, one value of a multi-valued complex
// attribute, satisfies e, the filter of a value path whose attribute paths
// name elem's sub-attributes.
func MatchValue(e Expr, elem map[string]any) bool {
	switch e := e.(type) {
	case *Compare:
		if e.Path.Attr == nil {
			return false
		}
		return e.match(elem[e.Path.Attr.Name])
	case *Logical:
		if e.Op == And {
			return MatchValue(e.Left, elem) && MatchValue(e.Right, elem)
		}
		return MatchValue(e.Left, elem) || MatchValue(e.Right, elem)
	case *Not:
		return !MatchValue(e.X, elem)
	}
	return false
}

// attrValue returns the value at path in doc: the attribute's value, or for
// a sub-attribute of a multi-valued attribute, the []any of the
// sub-attribute's values. It returns nil when there is none or the path is
// not defined by the schema.
func attrValue(doc map[string]any, p AttrPath) any {
	if p.Attr == nil {
		return nil
	}
	container := doc
	if p.Extension != "" {
		ext, ok := doc[p.Extension].(map[string]any)
		if !ok {
			return nil
		}
		container = ext
	}
	v, ok := container[p.Attr.Name]
	if !ok {
		v = lookupFold(container, p.Attr.Name)
	}
	if p.Target.Sub == nil || v == nil {
		return v
	}
	return subValues(v, p.Target.Sub.Name)
}

// subValues returns the sub-attribute name of a complex value, or of each
// value of a multi-valued complex attribute.
func subValues(v any, name string) any {
	switch v := v.(type) {
	case map[string]any:
		return v[name]
	case []any:
		out := make([]any, 0, len(v))
		for _, elem := range v {
			if m, ok := elem.(map[string]any); ok {
				if sv, ok := m[name]; ok {
					out = append(out, sv)
				}
			}
		}
		return out
	}
	return nil
}

// lookupFold finds key in m ignoring case, for documents that were not
// canonicalised.
func lookupFold(m map[string]any, key string) any {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// match compares v, the value at the comparison's path, with the
// comparison value.
func (c *Compare) match(v any) bool {
	if c.Path.Attr == nil {
		return false
	}
	if c.Op == Pr {
		return present(v)
	}
	if c.Value == nil {
		// "eq null" holds for an unassigned attribute, "ne null" for an
		// assigned one.
		return present(v) == (c.Op == Ne)
	}
	a := c.attribute()
	switch v := v.(type) {
	case []any:
		if len(v) == 0 {
			return c.Op == Ne
		}
		for _, elem := range v {
			if c.matchOne(a, elem) {
				return true
			}
		}
		return false
	default:
		return c.matchOne(a, v)
	}
}

// matchOne compares one value; complex values compare their "value"
// sub-attribute.
func (c *Compare) matchOne(a *schema.Attribute, v any) bool {
	if m, ok := v.(map[string]any); ok {
		v = m["value"]
	}
	if v == nil {
		return c.Op == Ne
	}
	switch a.Type {
	case schema.Boolean:
		b, ok := v.(bool)
		return ok && (b == c.Value) == (c.Op == Eq)
	case schema.Integer, schema.Decimal:
		x, ok := toNumber(v)
		y, _ := toNumber(c.Value)
		return ok && ordered(c.Op, cmpFloat(x, y))
	case schema.DateTime:
		s, ok := v.(string)
		if !ok {
			return false
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		return err == nil && ordered(c.Op, t.Compare(c.instant))
	default:
		s, ok := v.(string)
		return ok && c.matchString(a, s)
	}
}

func (c *Compare) matchString(a *schema.Attribute, s string) bool {
	want, _ := c.Value.(string)
	if !a.CaseExact {
		switch c.Op {
		case Eq:
			return strings.EqualFold(s, want)
		case Ne:
			return !strings.EqualFold(s, want)
		case Sw:
			if isASCII(want) {
				return len(s) >= len(want) && strings.EqualFold(s[:len(want)], want)
			}
		case Ew:
			if isASCII(want) {
				return len(s) >= len(want) && strings.EqualFold(s[len(s)-len(want):], want)
			}
		}
		s, want = FoldString(s), c.folded
	}
	switch c.Op {
	case Eq:
		return s == want
	case Ne:
		return s != want
	case Co:
		return strings.Contains(s, want)
	case Sw:
		return strings.HasPrefix(s, want)
	case Ew:
		return strings.HasSuffix(s, want)
	default:
		return ordered(c.Op, strings.Compare(s, want))
	}
}

// ordered reports whether a comparison result cmp satisfies op.
func ordered(op Operator, cmp int) bool {
	switch op {
	case Eq:
		return cmp == 0
	case Ne:
		return cmp != 0
	case Gt:
		return cmp > 0
	case Ge:
		return cmp >= 0
	case Lt:
		return cmp < 0
	case Le:
		return cmp <= 0
	}
	return false
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// present reports whether v is a value: not null, "", [] or {}, and for a
// multi-valued attribute, at least one present value.
func present(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []any:
		for _, elem := range v {
			if present(elem) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, sv := range v {
			if present(sv) {
				return true
			}
		}
		return false
	case json.Number:
		return v != ""
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
