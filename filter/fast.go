package filter

import (
	"strings"

	"github.com/scimkit/scim/schema"
)

// parseSimple parses the filter identity providers send on every sync
// cycle, a single comparison such as `userName eq "bjensen"` or
// `title pr`, without the general parser, which allocates heavily. It
// reports false when s has any other form; the general parser then decides.
//
// With a parent attribute, s is the filter inside a PATCH path's brackets,
// such as the `value eq "2819c223"` of members[value eq "2819c223"], which
// identity providers send for every member they remove: its path is a
// sub-attribute name of parent, resolved as the general parser resolves it.
func parseSimple(s string, rt *schema.ResourceType, parent *schema.Attribute, opts Options) (Expr, bool, error) {
	s = strings.TrimSpace(s)
	path, rest, ok := strings.Cut(s, " ")
	if !ok || strings.ContainsAny(path, `[]()"`) {
		return nil, false, nil
	}
	rest = strings.TrimLeft(rest, " ")
	opText, value, _ := strings.Cut(rest, " ")
	op := Operator(strings.ToLower(opText))
	if !validOperator(op) {
		return nil, false, nil
	}
	value = strings.TrimLeft(value, " ")
	if op == Pr {
		if value != "" {
			return nil, false, nil
		}
	} else if len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' ||
		strings.ContainsAny(value[1:len(value)-1], `"\`) || hasControl(value) {
		return nil, false, nil
	}
	var p AttrPath
	if parent != nil {
		if !validName(path) {
			return nil, false, nil
		}
		p = AttrPath{Name: path}
		if sub := parent.SubAttribute(path); sub != nil {
			p.Target = schema.Target{Attr: sub}
		}
	} else {
		var err error
		if p, err = resolvePath(path, rt); err != nil {
			return nil, false, nil
		}
	}
	if err := refuseNeverReturned(p); err != nil {
		return nil, true, err
	}
	if p.Attr == nil && opts.Strict {
		return nil, true, schema.Errorf(schema.InvalidFilter, "unknown attribute %q", path)
	}
	c := &Compare{Path: p, Op: op}
	if op == Pr {
		return c, true, nil
	}
	c.Value = value[1 : len(value)-1]
	if a := c.attribute(); a != nil {
		if err := c.check(a); err != nil {
			return nil, true, err
		}
	}
	return c, true, nil
}

// hasControl reports whether s holds a control character, which a JSON
// string may not contain unescaped.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
