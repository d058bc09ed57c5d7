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

import "github.com/scimkit/scim/schema"

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
// (Attr is the sub-attribute, Sub is empty).
type AttrPath struct {
	// URN is the schema URN as written, or "".
	URN string
	// Name and Sub are the attribute and sub-attribute names as written.
	Name, Sub string
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
