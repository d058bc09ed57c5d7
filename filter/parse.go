package filter

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/scimkit/scim/schema"
)

// Default bounds of Options.
const (
	DefaultMaxLength = 4096
	DefaultMaxDepth  = 32
)

// Options bound and tune parsing. The zero value uses the defaults.
type Options struct {
	// MaxLength is the longest filter accepted, in bytes
	// (DefaultMaxLength when 0).
	MaxLength int
	// MaxDepth is the deepest nesting of parentheses and value paths
	// accepted (DefaultMaxDepth when 0).
	MaxDepth int
	// Strict makes an attribute the schema does not define an
	// invalidFilter error. By default such an attribute matches nothing.
	Strict bool
}

func (o Options) maxLength() int {
	if o.MaxLength > 0 {
		return o.MaxLength
	}
	return DefaultMaxLength
}

func (o Options) maxDepth() int {
	if o.MaxDepth > 0 {
		return o.MaxDepth
	}
	return DefaultMaxDepth
}

// Parse parses a filter (RFC 7644 §3.4.2.2) and resolves its attribute
// paths against rt. Comparison values are converted to the canonical type
// of their attribute. A malformed filter, one over the bounds of opts, or a
// comparison the attribute's type does not allow is an *schema.Error of
// type invalidFilter.
func Parse(s string, rt *schema.ResourceType, opts Options) (Expr, error) {
	if err := checkBounds(s, opts); err != nil {
		return nil, err
	}
	s = strings.TrimSpace(s)
	if e, ok, err := parseSimple(s, rt, nil, opts); ok {
		return e, err
	}
	return parseExpr(s, rt, nil, opts)
}

// liftPrefix begins the attribute name of the placeholder comparison
// (liftPrefix + index + " pr") that liftValueFilters puts inside a value
// path's brackets. Every bracket's content is replaced, so a placeholder
// never comes from the client.
const liftPrefix = "scimkitLifted"

// liftValueFilters takes the text between every pair of brackets out of
// the filter s and puts a placeholder comparison in its place. The
// underlying parser's grammar for a value filter allows only one "and" or
// "or" of two comparisons, while RFC 7644 §3.4.2.2 allows any filter there
// (valFilter = attrExp / logExp / *1"not" "(" valFilter ")", logExp being
// made of FILTERs), such as emails[(value eq "x" or value eq "y") and
// primary eq true]; each lifted text is parsed as a whole filter instead.
// Brackets inside quoted strings are left alone; nested or unbalanced
// brackets leave s unchanged for the parser to refuse.
func liftValueFilters(s string) (string, []string) {
	if strings.IndexByte(s, '[') < 0 {
		return s, nil
	}
	var b strings.Builder
	var lifted []string
	open, last := -1, 0
	ok := structural(s, func(i int, c byte) bool {
		switch c {
		case '[':
			if open >= 0 {
				return false
			}
			open = i
		case ']':
			if open < 0 {
				return false
			}
			inner := s[open+1 : i]
			if strings.TrimSpace(inner) != "" {
				b.WriteString(s[last : open+1])
				fmt.Fprintf(&b, "%s%d pr", liftPrefix, len(lifted))
				lifted = append(lifted, inner)
				last = i
			}
			open = -1
		}
		return true
	})
	if !ok || open >= 0 || len(lifted) == 0 {
		return s, nil
	}
	b.WriteString(s[last:])
	return b.String(), lifted
}

// structural calls fn with the position of every byte of s outside
// quoted strings, in order, until fn returns false; it reports whether fn
// never did.
func structural(s string, fn func(i int, c byte) bool) bool {
	quoted, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case quoted:
		default:
			if !fn(i, c) {
				return false
			}
		}
	}
	return true
}

// checkBounds refuses input longer or more deeply nested than opts allow,
// before the parser (which recurses on nesting) sees it.
func checkBounds(s string, opts Options) error {
	if len(s) > opts.maxLength() {
		return schema.Errorf(schema.InvalidFilter, "the filter is %d bytes long; the maximum is %d", len(s), opts.maxLength())
	}
	depth := 0
	if !structural(s, func(_ int, c byte) bool {
		switch c {
		case '(', '[':
			depth++
			return depth <= opts.maxDepth()
		case ')', ']':
			depth--
		}
		return true
	}) {
		return schema.Errorf(schema.InvalidFilter, "the filter nests deeper than %d levels", opts.maxDepth())
	}
	return nil
}

// syntaxError reports a filter the parser refused, worded by diagnose;
// the parser's own message names its internals and is not shown.
func syntaxError(what, s string) error {
	detail := diagnose(s)
	if detail == "" {
		detail = "malformed"
	}
	return schema.Errorf(schema.InvalidFilter, "invalid %s %q: %s", what, s, detail)
}

// ParseAttrPath parses and resolves an attribute path such as
// "name.familyName" or "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
// as sortBy carries it. A malformed path or one the schema does not define
// is an *schema.Error of type invalidPath.
func ParseAttrPath(s string, rt *schema.ResourceType) (AttrPath, error) {
	p, err := resolvePath(s, rt)
	if err != nil {
		return AttrPath{}, err
	}
	if p.Attr == nil {
		return AttrPath{}, schema.Errorf(schema.InvalidPath, "unknown attribute %q", s)
	}
	if refuseNeverReturned(p) != nil {
		// Sorting by it would reveal the order of its stored values.
		return AttrPath{}, schema.Errorf(schema.InvalidPath, "%q is never returned and cannot be sorted by", s)
	}
	return p, nil
}

// resolvePath splits a dotted, optionally URN-qualified path with the
// resource type's schema URNs and resolves it; an unknown attribute leaves
// Target.Attr nil.
func resolvePath(s string, rt *schema.ResourceType) (AttrPath, error) {
	urn, rest := rt.SplitURN(s)
	name, sub, dotted := strings.Cut(rest, ".")
	if !validName(name) || (dotted && !validName(sub)) {
		return AttrPath{}, schema.Errorf(schema.InvalidPath, "malformed attribute path %q", s)
	}
	p := AttrPath{URN: urn, Name: name, SubAttr: sub}
	if strings.EqualFold(name, schema.SchemasAttribute().Name) && urn == "" && sub == "" {
		p.Target = schema.Target{Attr: schema.SchemasAttribute()}
		return p, nil
	}
	if t, ok := rt.Lookup(urn, name, sub); ok {
		p.Target = t
	}
	return p, nil
}

// validName reports whether s is an ATTRNAME of RFC 7643 §2.1 (or $ref).
func validName(s string) bool {
	if s == "$ref" {
		return true
	}
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Path is the target of a PATCH operation (RFC 7644 §3.5.2): an attribute
// path and, for a multi-valued complex attribute, an optional value filter,
// as in emails[type eq "work"].value. The sub-attribute after the filter is
// AttrPath.SubAttr. A path that is only an extension's URN has Target.Extension
// set and Target.Attr nil.
type Path struct {
	AttrPath
	// Filter selects values of the attribute; nil without brackets. Its
	// paths are relative to the attribute.
	Filter Expr
}

// String returns the path in the syntax ParsePath accepts.
func (p *Path) String() string {
	if p.Filter == nil {
		return p.AttrPath.String()
	}
	s := p.AttrPath
	s.SubAttr = ""
	out := s.String() + "[" + p.Filter.String() + "]"
	if p.SubAttr != "" {
		out += "." + p.SubAttr
	}
	return out
}

// ParsePath parses and resolves a PATCH path: attr, attr.sub, attr[filter],
// attr[filter].sub, each optionally prefixed by a schema URN, or an
// extension's URN alone. A malformed path or an attribute the schema does
// not define is an *schema.Error of type invalidPath; a bad filter inside
// the brackets is invalidFilter.
func ParsePath(s string, rt *schema.ResourceType, opts Options) (*Path, error) {
	if err := checkBounds(s, opts); err != nil {
		return nil, schema.Errorf(schema.InvalidPath, "%s", err.(*schema.Error).Detail)
	}
	if ext := rt.Extension(s); ext != nil && !strings.EqualFold(s, rt.Schema.ID) {
		return &Path{AttrPath: AttrPath{URN: s, Target: schema.Target{Extension: ext.ID}}}, nil
	}
	open := strings.IndexByte(s, '[')
	if open < 0 {
		p, err := resolvePath(s, rt)
		if err != nil {
			return nil, err
		}
		if p.Attr == nil {
			return nil, schema.Errorf(schema.InvalidPath, "unknown attribute %q", s)
		}
		return &Path{AttrPath: p}, nil
	}
	closing := strings.LastIndexByte(s, ']')
	if closing < open {
		return nil, schema.Errorf(schema.InvalidPath, "malformed path %q: missing ]", s)
	}
	p, err := resolvePath(s[:open], rt)
	if err != nil {
		return nil, err
	}
	if p.Attr == nil {
		return nil, schema.Errorf(schema.InvalidPath, "unknown attribute %q", s[:open])
	}
	if p.SubAttr != "" || p.Attr.Type != schema.Complex || !p.Attr.MultiValued {
		return nil, schema.Errorf(schema.InvalidPath, "a value filter needs a multi-valued complex attribute: %q", s)
	}
	if rest := s[closing+1:]; rest != "" {
		sub, ok := strings.CutPrefix(rest, ".")
		if !ok || !validName(sub) {
			return nil, schema.Errorf(schema.InvalidPath, "malformed path %q after ]", s)
		}
		p.SubAttr = sub
		if p.Target.Sub = p.Attr.SubAttribute(sub); p.Target.Sub == nil {
			return nil, schema.Errorf(schema.InvalidPath, "unknown sub-attribute %q of %s", sub, p.Attr.Name)
		}
	}
	text := s[open+1 : closing]
	if text == strings.TrimSpace(text) {
		if e, ok, err := parseSimple(text, rt, p.Attr, opts); ok {
			if err != nil {
				return nil, err
			}
			return &Path{AttrPath: p, Filter: e}, nil
		}
	}
	inner, err := parseExpr(text, rt, p.Attr, opts)
	if err != nil {
		return nil, err
	}
	return &Path{AttrPath: p, Filter: inner}, nil
}

// parseExpr parses a filter with the parser, relative to the attribute
// parent when it is not nil (the filter inside a PATCH path's brackets).
// It is the one place the parser is called: a panic in it becomes an
// invalidFilter error.
func parseExpr(s string, rt *schema.ResourceType, parent *schema.Attribute, opts Options) (e Expr, err error) {
	defer func() {
		if v := recover(); v != nil {
			e, err = nil, schema.Errorf(schema.InvalidFilter, "cannot parse filter %q", s)
		}
	}()
	outer, lifted := liftValueFilters(upperEscapes(s))
	raw, err := fp.ParseFilter([]byte(outer))
	if err != nil {
		return nil, syntaxError("filter", s)
	}
	r := resolver{rt: rt, opts: opts, src: s, lifted: lifted}
	return r.expr(raw, parent)
}

// resolver turns the parser's tree into ours.
type resolver struct {
	rt   *schema.ResourceType
	opts Options
	// src is the filter as the client wrote it, for error details;
	// lifted holds the value filters liftValueFilters took out of it.
	src    string
	lifted []string
}

// valueFilter returns the filter inside a value path's brackets: the
// lifted text the placeholder e stands for, parsed, or e itself.
func (r resolver) valueFilter(e fp.Expression) (fp.Expression, error) {
	a, ok := e.(*fp.AttributeExpression)
	if !ok || a.Operator != fp.PR || a.AttributePath.URI() != "" || a.AttributePath.SubAttributeName() != "" {
		return e, nil
	}
	n, ok := strings.CutPrefix(a.AttributePath.AttributeName, liftPrefix)
	if !ok {
		return e, nil
	}
	i, err := strconv.Atoi(n)
	if err != nil || i < 0 || i >= len(r.lifted) {
		return e, nil
	}
	raw, err := fp.ParseFilter([]byte(r.lifted[i]))
	if err != nil {
		return nil, syntaxError("filter", r.src)
	}
	return raw, nil
}

// expr converts e; parent is the multi-valued complex attribute whose
// values the expression's paths are relative to, or nil at the top.
func (r resolver) expr(e fp.Expression, parent *schema.Attribute) (Expr, error) {
	switch e := e.(type) {
	case *fp.AttributeExpression:
		return r.compare(e, parent)
	case *fp.LogicalExpression:
		left, err := r.expr(e.Left, parent)
		if err != nil {
			return nil, err
		}
		right, err := r.expr(e.Right, parent)
		if err != nil {
			return nil, err
		}
		return &Logical{Op: LogicalOperator(strings.ToLower(string(e.Operator))), Left: left, Right: right}, nil
	case *fp.NotExpression:
		x, err := r.expr(e.Expression, parent)
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	case *fp.ValuePath:
		if parent != nil {
			return nil, schema.Errorf(schema.InvalidFilter, "value filters cannot be nested: %v", e)
		}
		path, err := r.path(e.AttributePath, nil)
		if err != nil {
			return nil, err
		}
		if path.Attr != nil && (path.Target.Sub != nil || path.Attr.Type != schema.Complex || !path.Attr.MultiValued) {
			return nil, schema.Errorf(schema.InvalidFilter, "a value filter needs a multi-valued complex attribute: %s", path)
		}
		vf, err := r.valueFilter(e.ValueFilter)
		if err != nil {
			return nil, err
		}
		inner, err := r.expr(vf, orUnknown(path.Attr))
		if err != nil {
			return nil, err
		}
		return &ValuePath{Path: path, Filter: inner}, nil
	default:
		return nil, schema.Errorf(schema.InvalidFilter, "unsupported filter expression %v", e)
	}
}

// unknownParent stands for an attribute the schema does not define, so
// that paths inside its value filter resolve to nothing.
var unknownParent = &schema.Attribute{Name: "unknown", Type: schema.Complex, MultiValued: true}

func orUnknown(a *schema.Attribute) *schema.Attribute {
	if a == nil {
		return unknownParent
	}
	return a
}

// path resolves an attribute path, relative to parent when it is not nil.
func (r resolver) path(p fp.AttributePath, parent *schema.Attribute) (AttrPath, error) {
	out := AttrPath{URN: p.URI(), Name: p.AttributeName, SubAttr: p.SubAttributeName()}
	switch {
	case parent != nil:
		if out.URN != "" || out.SubAttr != "" {
			return out, schema.Errorf(schema.InvalidFilter, "inside a value filter, %q must be a sub-attribute name", p.String())
		}
		if sub := parent.SubAttribute(out.Name); sub != nil {
			out.Target = schema.Target{Attr: sub}
		}
	case out.URN == "" && out.SubAttr == "" && strings.EqualFold(out.Name, schema.SchemasAttribute().Name):
		out.Target = schema.Target{Attr: schema.SchemasAttribute()}
	default:
		if t, ok := r.rt.Lookup(out.URN, out.Name, out.SubAttr); ok {
			out.Target = t
		}
	}
	if err := refuseNeverReturned(out); err != nil {
		return out, err
	}
	if out.Attr == nil && r.opts.Strict {
		return out, schema.Errorf(schema.InvalidFilter, "unknown attribute %q", p.String())
	}
	return out, nil
}

// refuseNeverReturned refuses a filter on an attribute that is never
// returned, such as password: comparisons on it would reveal its stored
// value one guess (or one prefix, with sw) at a time.
func refuseNeverReturned(p AttrPath) error {
	for _, a := range []*schema.Attribute{p.Attr, p.Target.Sub} {
		if a != nil && a.EffectiveReturned() == schema.ReturnedNever {
			return schema.Errorf(schema.InvalidFilter, "%q is never returned and cannot be used in a filter", p.String())
		}
	}
	return nil
}

func (r resolver) compare(e *fp.AttributeExpression, parent *schema.Attribute) (Expr, error) {
	path, err := r.path(e.AttributePath, parent)
	if err != nil {
		return nil, err
	}
	c := &Compare{Path: path, Op: Operator(strings.ToLower(string(e.Operator))), Value: e.CompareValue}
	if s, ok := c.Value.(string); ok {
		c.Value = unquote(s)
		if strings.IndexByte(c.Value.(string), 0) >= 0 {
			// Values never hold it (see package schema), and databases
			// refuse it as a query parameter.
			return nil, schema.Errorf(schema.InvalidFilter, "%s: a value must not contain the NUL character (U+0000)", path)
		}
	}
	if !validOperator(c.Op) {
		return nil, schema.Errorf(schema.InvalidFilter, "unknown operator %q", e.Operator)
	}
	if c.Op == Pr {
		c.Value = nil
		return c, nil
	}
	if c.Value == nil && c.Op != Eq && c.Op != Ne {
		return nil, schema.Errorf(schema.InvalidFilter, "%s: null can only be compared with eq or ne", c.String())
	}
	a := c.attribute()
	if a == nil {
		return c, nil
	}
	if err := c.check(a); err != nil {
		return nil, err
	}
	return c, nil
}

// unquote decodes the escapes of a JSON string body as the parser returns
// it, keeping it as is when it is not valid JSON.
func unquote(s string) string {
	if !strings.ContainsRune(s, '\\') {
		return s
	}
	var out string
	if err := json.Unmarshal([]byte(`"`+s+`"`), &out); err != nil {
		return s
	}
	return out
}

func validOperator(op Operator) bool {
	switch op {
	case Eq, Ne, Co, Sw, Ew, Gt, Ge, Lt, Le, Pr:
		return true
	}
	return false
}

// attribute returns the attribute whose values the comparison compares:
// the sub-attribute when the path names one, the "value" sub-attribute of
// a complex attribute named alone (emails co "@example.com"), or the
// attribute itself.
func (c *Compare) attribute() *schema.Attribute {
	switch {
	case c.Path.Attr == nil:
		return nil
	case c.Path.Target.Sub != nil:
		return c.Path.Target.Sub
	case c.Path.Attr.Type == schema.Complex:
		return c.Path.Attr.SubAttribute("value")
	default:
		return c.Path.Attr
	}
}

// check converts the comparison value to the attribute's canonical type and
// refuses operators the type does not allow.
func (c *Compare) check(a *schema.Attribute) error {
	bad := func(format string, args ...any) error {
		return schema.Errorf(schema.InvalidFilter, "%s: %s", c.String(), fmt.Sprintf(format, args...))
	}
	if c.Value == nil {
		if c.Op != Eq && c.Op != Ne {
			return bad("null can only be compared with eq or ne")
		}
		return nil
	}
	switch a.Type {
	case schema.Boolean:
		if c.Op != Eq && c.Op != Ne {
			return bad("a boolean attribute allows only eq, ne and pr")
		}
		switch v := c.Value.(type) {
		case bool:
		case string:
			switch strings.ToLower(v) {
			case "true":
				c.Value = true
			case "false":
				c.Value = false
			default:
				return bad("%q is not a boolean", v)
			}
		default:
			return bad("%v is not a boolean", v)
		}
	case schema.Integer, schema.Decimal:
		if c.Op == Co || c.Op == Sw || c.Op == Ew {
			return bad("a number allows only eq, ne, gt, ge, lt, le and pr")
		}
		f, ok := toNumber(c.Value)
		if !ok {
			return bad("%v is not a number", c.Value)
		}
		if a.Type == schema.Integer && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			c.Value = int64(f)
		} else {
			c.Value = f
		}
	case schema.Binary:
		if c.Op != Eq && c.Op != Ne {
			return bad("a binary attribute allows only eq, ne and pr")
		}
		if _, ok := c.Value.(string); !ok {
			return bad("%v is not a string", c.Value)
		}
	case schema.DateTime:
		s, ok := c.Value.(string)
		if !ok {
			return bad("%v is not a dateTime string", c.Value)
		}
		if c.Op == Co || c.Op == Sw || c.Op == Ew {
			return bad("a dateTime is compared as an instant: use eq, ne, gt, ge, lt, le or pr")
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return bad("%q is not an RFC 3339 dateTime", s)
		}
		c.instant = t
	default: // string, reference, complex without a value sub-attribute
		if _, ok := c.Value.(string); !ok {
			return bad("%v is not a string", c.Value)
		}
	}
	if s, ok := c.Value.(string); ok && !a.CaseExact {
		c.folded = FoldString(s)
	}
	return nil
}

// toNumber returns v as a float64 when it is a number or a numeric string.
func toNumber(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}
