package patch

import (
	"reflect"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// Apply applies req to attrs, a resource's canonical attributes (as
// scim.Resource.Attributes holds them), following RFC 7644 §3.5.2.1-3, and
// returns the new attributes with what changed. It never modifies attrs or
// anything reachable from it; the result shares unchanged values with it.
// When an operation fails, Apply returns its error (an *schema.Error for
// client mistakes) and no attributes: a request applies whole or not at
// all.
//
// Beyond the RFC, it accepts what identity providers send: readOnly
// attributes in a path-less value are ignored (Okta echoes "id"), values are
// canonicalised as in schema (booleans as "True"/"False", a bare value for
// a complex attribute such as Entra's manager id), a remove with a value
// array removes just those values (Entra's member removal), and a remove
// whose filter matches nothing changes nothing.
func Apply(rt *schema.ResourceType, attrs map[string]any, req *Request, opts Options) (map[string]any, *Result, error) {
	a := &applier{rt: rt, opts: opts, out: make(map[string]any, len(attrs)+2)}
	for k, v := range attrs {
		a.out[k] = v
	}
	for i, op := range req.Operations {
		if err := a.apply(op); err != nil {
			if se, ok := err.(*schema.Error); ok {
				return nil, nil, schema.Errorf(se.Type, "operation %d: %s", i+1, se.Detail)
			}
			return nil, nil, err
		}
	}
	res := &Result{Changed: !reflect.DeepEqual(attrs, a.out)}
	if res.Changed && rt.Schema.Attribute("members") != nil {
		res.MembersAdded, res.MembersRemoved = diffIDs(MemberIDs(attrs), MemberIDs(a.out))
	}
	return a.out, res, nil
}

// applier holds the attributes being built; out is a shallow copy of the
// input whose nested values are copied before they change.
type applier struct {
	rt   *schema.ResourceType
	opts Options
	out  map[string]any
}

func (a *applier) apply(op Operation) error {
	if op.Path == nil {
		obj, _ := op.Value.(map[string]any)
		return a.applyObject(op.Op, "", obj)
	}
	return a.applyPath(op.Op, op.Path, op.Value, true)
}

// applyObject applies a path-less add or replace: each key of obj is a
// path, relative to the extension ext when it is not "". Keys may be dotted
// ("name.givenName") or URN-qualified.
func (a *applier) applyObject(op Op, ext string, obj map[string]any) error {
	for key, v := range obj {
		if ext == "" && strings.EqualFold(key, schema.SchemasAttribute.Name) {
			continue
		}
		full := key
		if ext != "" {
			full = ext + ":" + key
		}
		p, err := filter.ParsePath(full, a.rt, a.opts.Filter)
		if err != nil {
			if a.opts.Schema.RejectUnknown {
				return err
			}
			continue
		}
		if err := a.applyPath(op, p, v, false); err != nil {
			return err
		}
	}
	return nil
}

// applyPath applies one operation at p. explicit is false for the keys of a
// path-less value, where readOnly attributes are ignored rather than
// refused.
func (a *applier) applyPath(op Op, p *filter.Path, value any, explicit bool) error {
	if p.Attr == nil {
		return a.applyExtension(op, p.Extension, value)
	}
	attr, sub := p.Attr, p.Target.Sub
	if attr.EffectiveMutability() == schema.ReadOnly || (sub != nil && sub.EffectiveMutability() == schema.ReadOnly) {
		if !explicit {
			return nil
		}
		return schema.Errorf(schema.MutabilityError, "%q is readOnly", p.String())
	}
	if op != Remove && value == nil && !explicit {
		op = Remove
	}
	cur := a.get(p.Extension, attr.Name)
	switch {
	case p.Filter != nil:
		return a.applyFiltered(op, p, cur, value)
	case sub == nil:
		return a.applyWhole(op, p, cur, value)
	default:
		return a.applySub(op, p, cur, value)
	}
}

// applyExtension applies an operation whose path is an extension's URN.
func (a *applier) applyExtension(op Op, ext string, value any) error {
	if op == Remove {
		delete(a.out, ext)
		return nil
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return schema.Errorf(schema.InvalidValue, "the value for %s must be an object", ext)
	}
	return a.applyObject(op, ext, obj)
}

// applyWhole applies an operation on a whole attribute.
func (a *applier) applyWhole(op Op, p *filter.Path, cur, value any) error {
	attr := p.Attr
	if op == Remove {
		if value != nil && attr.MultiValued {
			return a.removeValues(p, cur, value)
		}
		if cur == nil {
			return nil
		}
		if attr.Required || attr.EffectiveMutability() == schema.Immutable {
			return schema.Errorf(schema.MutabilityError, "%q is %s and cannot be removed", p.String(), removalReason(attr))
		}
		a.set(p.Extension, attr.Name, nil)
		return nil
	}
	cv, err := attr.Canonicalize(value, a.opts.Schema)
	if err != nil {
		return err
	}
	var next any
	switch {
	case cv == nil:
		if op == Add {
			return nil
		}
		if cur != nil && attr.Required {
			return schema.Errorf(schema.MutabilityError, "%q is required and cannot be removed", p.String())
		}
	case attr.MultiValued && op == Add:
		next = appendUnique(attr, list(cur), cv.([]any))
	case attr.MultiValued:
		next = cv
	case attr.Type == schema.Complex:
		next = merge(asMap(cur), cv.(map[string]any))
	default:
		next = cv
	}
	if err := checkImmutable(p, attr, cur, next); err != nil {
		return err
	}
	a.set(p.Extension, attr.Name, next)
	return nil
}

// removeValues removes the values of a multi-valued attribute that equal
// one of value's, as Entra ID removes group members.
func (a *applier) removeValues(p *filter.Path, cur, value any) error {
	cv, err := p.Attr.Canonicalize(value, a.opts.Schema)
	if err != nil {
		return err
	}
	gone, _ := cv.([]any)
	var kept []any
	for _, elem := range list(cur) {
		if !containsElement(p.Attr, gone, elem) {
			kept = append(kept, elem)
		}
	}
	a.set(p.Extension, p.Attr.Name, nilIfEmpty(kept))
	return nil
}

// applySub applies an operation on a sub-attribute without a filter:
// name.givenName, or emails.value meaning every email's value.
func (a *applier) applySub(op Op, p *filter.Path, cur, value any) error {
	attr, sub := p.Attr, p.Target.Sub
	var v any
	if op != Remove {
		var err error
		if v, err = sub.Canonicalize(value, a.opts.Schema); err != nil {
			return err
		}
	} else if sub.Required {
		return schema.Errorf(schema.MutabilityError, "%q is required and cannot be removed", p.String())
	}
	if !attr.MultiValued {
		m := setSub(asMap(cur), sub, v)
		if err := checkImmutable(p, sub, asMap(cur)[sub.Name], v); err != nil {
			return err
		}
		a.set(p.Extension, attr.Name, nilIfEmptyMap(m))
		return nil
	}
	elems := list(cur)
	if len(elems) == 0 {
		if v == nil {
			return nil
		}
		a.set(p.Extension, attr.Name, []any{map[string]any{sub.Name: v}})
		return nil
	}
	next := make([]any, 0, len(elems))
	for _, e := range elems {
		old, _ := e.(map[string]any)
		if err := checkImmutable(p, sub, old[sub.Name], v); err != nil {
			return err
		}
		if m := setSub(old, sub, v); len(m) > 0 {
			next = append(next, m)
		}
	}
	a.set(p.Extension, attr.Name, nilIfEmpty(next))
	return nil
}

// applyFiltered applies an operation on the values of a multi-valued
// complex attribute that a value filter selects.
func (a *applier) applyFiltered(op Op, p *filter.Path, cur, value any) error {
	attr, sub := p.Attr, p.Target.Sub
	elems := list(cur)
	var matched []int
	for i, e := range elems {
		if m, ok := e.(map[string]any); ok && filter.MatchValue(p.Filter, m) {
			matched = append(matched, i)
		}
	}
	next := append([]any(nil), elems...)
	switch op {
	case Remove:
		if len(matched) == 0 {
			return nil
		}
		if sub != nil && sub.Required {
			return schema.Errorf(schema.MutabilityError, "%q is required and cannot be removed", p.String())
		}
		kept := next[:0]
		for i, e := range next {
			switch {
			case !contains(matched, i):
				kept = append(kept, e)
			case sub != nil:
				if m := setSub(e.(map[string]any), sub, nil); len(m) > 0 {
					kept = append(kept, m)
				}
			}
		}
		if len(kept) == 0 && attr.Required {
			return schema.Errorf(schema.MutabilityError, "%q is required and cannot be removed", attr.Name)
		}
		a.set(p.Extension, attr.Name, nilIfEmpty(kept))
		return nil
	case Replace:
		if len(matched) == 0 {
			return schema.Errorf(schema.NoTarget, "no value of %q matches %s", attr.Name, p.Filter)
		}
	}
	newValue, err := a.filteredValue(p, value)
	if err != nil {
		return err
	}
	if len(matched) == 0 { // add: create the value the filter describes
		elem, ok := equalities(p.Filter)
		if !ok {
			return schema.Errorf(schema.NoTarget, "no value of %q matches %s, and the filter does not describe one to add", attr.Name, p.Filter)
		}
		created, err := attr.CanonicalizeElement(merge(elem, newValue), a.opts.Schema)
		if err != nil {
			return err
		}
		next = append(next, created)
		matched = []int{len(next) - 1}
	} else {
		for _, i := range matched {
			old := next[i].(map[string]any)
			var updated map[string]any
			if op == Replace && sub == nil {
				updated = newValue
			} else {
				updated = merge(old, newValue)
			}
			for _, s := range attr.SubAttributes {
				if s.EffectiveMutability() == schema.Immutable {
					if err := checkImmutable(p, s, old[s.Name], updated[s.Name]); err != nil {
						return err
					}
				}
			}
			next[i] = updated
		}
	}
	a.set(p.Extension, attr.Name, clearOtherPrimaries(next, matched))
	return nil
}

// filteredValue canonicalises the value of an add or replace with a value
// filter, as the sub-attributes it sets.
func (a *applier) filteredValue(p *filter.Path, value any) (map[string]any, error) {
	if sub := p.Target.Sub; sub != nil {
		v, err := sub.Canonicalize(value, a.opts.Schema)
		if err != nil {
			return nil, err
		}
		return map[string]any{sub.Name: v}, nil
	}
	v, err := p.Attr.CanonicalizeElement(value, a.opts.Schema)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	if m == nil {
		return nil, schema.Errorf(schema.InvalidValue, "%q needs a value", p.String())
	}
	return m, nil
}

// equalities returns the sub-attribute values a filter made only of "eq"
// comparisons joined by "and" requires, such as {"type": "work"} for
// type eq "work", so that an add can create the value it describes.
func equalities(e filter.Expr) (map[string]any, bool) {
	out := map[string]any{}
	var walk func(filter.Expr) bool
	walk = func(e filter.Expr) bool {
		switch e := e.(type) {
		case *filter.Compare:
			if e.Op != filter.Eq || e.Path.Attr == nil || e.Value == nil {
				return false
			}
			out[e.Path.Attr.Name] = e.Value
			return true
		case *filter.Logical:
			return e.Op == filter.And && walk(e.Left) && walk(e.Right)
		}
		return false
	}
	return out, walk(e)
}

// get returns the current value of the attribute name under ext.
func (a *applier) get(ext, name string) any {
	if ext == "" {
		return a.out[name]
	}
	m, _ := a.out[ext].(map[string]any)
	return m[name]
}

// set stores v (nil removes) as the attribute name under ext, copying the
// extension object rather than changing the caller's.
func (a *applier) set(ext, name string, v any) {
	if ext == "" {
		if v == nil {
			delete(a.out, name)
		} else {
			a.out[name] = v
		}
		return
	}
	m := copyMap(asMap(a.out[ext]))
	if v == nil {
		delete(m, name)
	} else {
		m[name] = v
	}
	if len(m) == 0 {
		delete(a.out, ext)
	} else {
		a.out[ext] = m
	}
}

func checkImmutable(p *filter.Path, attr *schema.Attribute, cur, next any) error {
	if attr.EffectiveMutability() != schema.Immutable || cur == nil || attr.Equal(cur, next) {
		return nil
	}
	return schema.Errorf(schema.MutabilityError, "%q is immutable and already has a value", p.String())
}

func removalReason(attr *schema.Attribute) string {
	if attr.Required {
		return "required"
	}
	return "immutable"
}

// appendUnique appends the values of add that list does not hold yet; when
// an added value is primary, the others stop being primary.
func appendUnique(attr *schema.Attribute, cur, add []any) []any {
	next := append(make([]any, 0, len(cur)+len(add)), cur...)
	var added []int
	for _, v := range add {
		if i := indexElement(attr, next, v); i >= 0 {
			if isPrimary(v) && !isPrimary(next[i]) {
				next[i] = merge(next[i].(map[string]any), map[string]any{"primary": true})
				added = append(added, i)
			}
			continue
		}
		next = append(next, v)
		added = append(added, len(next)-1)
	}
	return clearOtherPrimaries(next, added)
}

// clearOtherPrimaries makes the values at indexes touched the only primary
// ones when one of them is primary (RFC 7643 §2.4).
func clearOtherPrimaries(values []any, touched []int) []any {
	keep := -1
	for _, i := range touched {
		if isPrimary(values[i]) {
			keep = i
		}
	}
	if keep < 0 {
		return values
	}
	for i, v := range values {
		if i != keep && isPrimary(v) {
			m := copyMap(v.(map[string]any))
			delete(m, "primary")
			values[i] = m
		}
	}
	return values
}

func isPrimary(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m["primary"] == true
}

// indexElement returns the index of the value in values that is the same
// as v, or -1. Complex values with a "value" sub-attribute are the same
// when their value (and type, when both have one) are equal.
func indexElement(attr *schema.Attribute, values []any, v any) int {
	for i, e := range values {
		if sameElement(attr, e, v) {
			return i
		}
	}
	return -1
}

func containsElement(attr *schema.Attribute, values []any, v any) bool {
	return indexElement(attr, values, v) >= 0
}

func sameElement(attr *schema.Attribute, x, y any) bool {
	if vs := attr.SubAttribute("value"); vs != nil && attr.Type == schema.Complex {
		xm, _ := x.(map[string]any)
		ym, _ := y.(map[string]any)
		if xm["value"] != nil && ym["value"] != nil {
			if !vs.Equal(xm["value"], ym["value"]) {
				return false
			}
			if ts := attr.SubAttribute("type"); ts != nil && xm["type"] != nil && ym["type"] != nil {
				return ts.Equal(xm["type"], ym["type"])
			}
			return true
		}
	}
	return attr.Equal(x, y)
}

// setSub returns a copy of m with the sub-attribute set to v, or removed
// when v is nil.
func setSub(m map[string]any, sub *schema.Attribute, v any) map[string]any {
	out := copyMap(m)
	if v == nil {
		delete(out, sub.Name)
	} else {
		out[sub.Name] = v
	}
	return out
}

// merge returns a copy of base with the entries of add set over it.
func merge(base, add map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(add))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range add {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func nilIfEmpty(l []any) any {
	if len(l) == 0 {
		return nil
	}
	return l
}

func nilIfEmptyMap(m map[string]any) any {
	if len(m) == 0 {
		return nil
	}
	return m
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
