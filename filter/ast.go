// Package filter parses, evaluates and sorts by SCIM 2.0 filters (RFC 7644
// §3.4.2.2) and attribute paths.
//
// Parse turns filter text into a tree of Expr values whose attribute paths
// are resolved against a resource type's schemas, so evaluation knows each
// attribute's type and caseExact characteristic. The tree is public and
// walkable: a store can translate it (to SQL, for example) instead of
// evaluating it. Match evaluates a tree against a canonical resource
// document (see package schema).
package filter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/schema"
)

// Operator is a comparison operator: eq ne co sw ew gt ge lt le pr.
type Operator string

// The comparison operators of RFC 7644 §3.4.2.2.
const (
	Eq Operator = "eq"
	Ne Operator = "ne"
	Co Operator = "co"
	Sw Operator = "sw"
	Ew Operator = "ew"
	Gt Operator = "gt"
	Ge Operator = "ge"
	Lt Operator = "lt"
	Le Operator = "le"
	Pr Operator = "pr"
)

// LogicalOperator joins two expressions: and, or.
type LogicalOperator string

// The logical operators of RFC 7644 §3.4.2.2.
const (
	And LogicalOperator = "and"
	Or  LogicalOperator = "or"
)

// Expr is a node of a parsed filter: *Compare, *Logical, *Not or *ValuePath.
type Expr interface {
	String() string
	expr()
}

// AttrPath is an attribute path resolved against a resource type: an
// optional schema URN, an attribute and an optional sub-attribute. Inside a
// ValuePath filter, paths are relative to the multi-valued complex attribute
// (Attr is the sub-attribute, SubAttr is empty).
type AttrPath struct {
	// URN is the schema URN as written, or "".
	URN string
	// Name and SubAttr are the attribute and sub-attribute names as
	// written. (Target.Sub is the resolved sub-attribute.)
	Name, SubAttr string
	// Target is the resolved attribute; Target.Attr is nil when the schema
	// does not define the path (such a path matches nothing).
	schema.Target
}

// Compare is an attribute expression: a path, an operator and, except for
// pr, a value (string, bool, int64, float64 or nil for null).
type Compare struct {
	Path  AttrPath
	Op    Operator
	Value any

	// folded is FoldString(Value) for attributes that are not caseExact;
	// instant is Value parsed, for dateTime attributes.
	folded  string
	instant time.Time
}

// Logical is "Left and Right" or "Left or Right".
type Logical struct {
	Op          LogicalOperator
	Left, Right Expr
}

// Not is "not (X)".
type Not struct {
	X Expr
}

// ValuePath is a value-path filter on a multi-valued complex attribute, such
// as emails[type eq "work" and value co "@example.org"]. Filter's paths are
// relative to Path's attribute.
type ValuePath struct {
	Path   AttrPath
	Filter Expr
}

func (*Compare) expr()   {}
func (*Logical) expr()   {}
func (*Not) expr()       {}
func (*ValuePath) expr() {}

// String returns the path as written in a filter.
func (p AttrPath) String() string {
	s := p.Name
	if p.URN != "" {
		s = p.URN + ":" + s
	}
	if p.SubAttr != "" {
		s += "." + p.SubAttr
	}
	return s
}

// String returns the comparison in filter syntax.
func (c *Compare) String() string {
	if c.Op == Pr {
		return c.Path.String() + " pr"
	}
	return c.Path.String() + " " + string(c.Op) + " " + literal(c.Value)
}

// quote writes s as a filter string literal, escaping what the filter
// grammar does not allow unescaped: quotes, backslashes and control
// characters (as \u00XX, with the upper-case hex digits it requires).
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, "\\u%04X", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// literal writes a comparison value in filter syntax.
func literal(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return quote(v)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// String returns the expression in filter syntax, with each operand that
// is itself a logical expression in parentheses.
func (l *Logical) String() string {
	return operand(l.Left) + " " + string(l.Op) + " " + operand(l.Right)
}

func operand(e Expr) string {
	if _, ok := e.(*Logical); ok {
		return "(" + e.String() + ")"
	}
	return e.String()
}

// String returns the expression in filter syntax.
func (n *Not) String() string { return "not (" + n.X.String() + ")" }

// String returns the value path in filter syntax.
func (v *ValuePath) String() string { return v.Path.String() + "[" + v.Filter.String() + "]" }

// Walk calls fn for e and, in depth-first order, for every expression
// below it. When fn returns false, Walk skips the children of that
// expression. A ValuePath's filter is visited as its child.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch e := e.(type) {
	case *Logical:
		Walk(e.Left, fn)
		Walk(e.Right, fn)
	case *Not:
		Walk(e.X, fn)
	case *ValuePath:
		Walk(e.Filter, fn)
	}
}
