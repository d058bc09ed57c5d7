package patch

import (
	"encoding/json"
	"errors"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// Apply applies req to attrs, the canonical attributes of a resource of
// type rt (as scim.Resource.Attributes holds them: no id, meta or schemas),
// following RFC 7644 §3.5.2.1 to §3.5.2.3, and returns the new attributes
// and what changed.
//
// attrs and everything reachable from it are never modified: the result
// shares the values no operation touched, and is attrs itself when no
// operation wrote anything (as when each sets a value the resource
// already has), so it must not be modified either. Application is all
// or nothing: on error Apply returns nil attributes and the caller's data is
// as it was. Errors caused by the request are *schema.Error values:
//
//   - add, replace or remove naming a readOnly attribute or
//     sub-attribute (id, meta, groups, manager.displayName) is mutability,
//     and so is removing a required attribute, or changing or removing an
//     immutable one that has a value. In a value without a path, readOnly
//     attributes are ignored, as identity providers echo id back.
//   - a value of the wrong type is invalidValue.
//   - replace with a value filter that matches no value is noTarget
//     (§3.5.2.3), and so is add with a value filter that matches no value
//     and cannot describe a new one (only "eq" comparisons joined by "and"
//     can: emails[type eq "work"].value creates {"type": "work", "value":
//     ...}). A remove whose filter matches nothing changes nothing: the
//     outcome the client asked for holds, and repeated removals by an
//     identity provider succeed.
//
// The rules, besides those of the RFC:
//   - Without a path, each key of the value object is applied as if it
//     were the path, in sorted key order: keys match case-insensitively and
//     may be dotted ("name.givenName"), URN-qualified
//     ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber")
//     or an extension URN whose value is an object of its attributes.
//     Unknown keys are ignored unless req.Options.Schema.RejectUnknown
//     (invalidPath). A null value unassigns the attribute on replace.
//   - add to a multi-valued attribute appends each value that is not
//     already there (Attribute.Equal; a group member is there when a member
//     with the same "value" id is). add or replace on a singular complex
//     attribute, and add on the values a filter selects, merge the given
//     sub-attributes into the existing ones; replace on the values a filter
//     selects replaces each of them whole (§3.5.2.3), and replace of a
//     multi-valued attribute replaces all its values.
//   - a value whose "primary" becomes true makes "primary" false on the
//     attribute's other values (§3.5.2).
//   - remove on a multi-valued attribute with a value (as Entra ID sends
//     for members: [{"value": "id"}]) removes the values whose given
//     sub-attributes all equal those of one of the given values.
//   - attr.sub on a multi-valued attribute without a filter applies to
//     every value (add and replace create one value when there is none).
//
// Result.Changed is false when the outcome equals attrs, and then the
// returned map holds values equal to those of attrs, or is attrs. MembersAdded and
// MembersRemoved list the "value" ids of group members that were added and
// removed overall.
func Apply(rt *schema.ResourceType, attrs map[string]any, req *Request) (map[string]any, *Result, error) {
	if rt == nil || rt.Schema == nil {
		return nil, nil, errors.New("patch: Apply needs a resource type")
	}
	if req == nil {
		return nil, nil, errors.New("patch: Apply needs a request")
	}
	a := &applier{
		rt:   rt,
		opts: req.Options,
		in:   attrs,
		out:  attrs,
	}
	for i, op := range req.Operations {
		if err := a.operation(op); err != nil {
			return nil, nil, operationError(i, op, err)
		}
	}
	if a.out == nil {
		a.out = make(map[string]any)
	}
	res := &Result{Changed: a.changed()}
	if !res.Changed {
		return a.out, res, nil
	}
	res.MembersAdded, res.MembersRemoved = a.members.result()
	return a.out, res, nil
}

// operationError names the failed operation in a client error.
func operationError(i int, op Operation, err error) error {
	var se *schema.Error
	if !errors.As(err, &se) {
		return err
	}
	where := string(op.Op)
	if op.RawPath != "" {
		where += " " + op.RawPath
	} else if op.Path != nil {
		where += " " + op.Path.String()
	}
	return schema.Errorf(se.Code, "operation %d (%s): %s", i+1, where, se.Detail)
}

// key names a top-level attribute: its extension URN ("" for the core
// schema) and its name, both as the schema spells them.
type key struct{ ext, name string }

// applier holds the state of one Apply call. out is in until the first
// write, then a shallow copy of it; the rest of the tree is copied on
// write. Maps reachable from in are
// never modified: an extension map or multi-valued list is copied once
// (ownedExt, ownedList) and then changed in place; a complex value or an
// element of a list is replaced by a modified copy each time it changes.
type applier struct {
	rt        *schema.ResourceType
	opts      Options
	in, out   map[string]any
	owned     bool // out is a copy of in, no longer in itself
	ownedExt  map[string]bool
	ownedList map[key]bool
	touched   touchedSet
	members   memberLog
	// indexes locate the values of owned lists by equality; an index is
	// dropped whenever its list is written other than by appending.
	indexes map[key]*valueIndex
}

// put sets m[k] to v, making m on first use: most requests touch one
// attribute, and most never own a list or an extension.
func put[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = make(map[K]V, 1)
	}
	(*m)[k] = v
}

// touchedSet is the set of top-level attributes an Apply wrote, each with
// its schema attribute. Most requests touch a few, which are kept in an
// array; a request that touches more moves them to a map.
type touchedSet struct {
	few  [4]touchedAttr
	n    int
	many map[key]*schema.Attribute
}

type touchedAttr struct {
	key  key
	attr *schema.Attribute
}

func (s *touchedSet) add(k key, attr *schema.Attribute) {
	if s.many != nil {
		s.many[k] = attr
		return
	}
	for _, t := range s.few[:s.n] {
		if t.key == k {
			return
		}
	}
	if s.n < len(s.few) {
		s.few[s.n] = touchedAttr{k, attr}
		s.n++
		return
	}
	s.many = make(map[key]*schema.Attribute, 2*len(s.few))
	for _, t := range s.few {
		s.many[t.key] = t.attr
	}
	s.many[k] = attr
}

// all yields every touched attribute once.
func (s *touchedSet) all() iter.Seq2[key, *schema.Attribute] {
	return func(yield func(key, *schema.Attribute) bool) {
		if s.many != nil {
			for k, attr := range s.many {
				if !yield(k, attr) {
					return
				}
			}
			return
		}
		for _, t := range s.few[:s.n] {
			if !yield(t.key, t.attr) {
				return
			}
		}
	}
}

func keyOf(t schema.Target) key { return key{t.Extension, t.Attr.Name} }

// read returns the current value of t's attribute, or nil.
func (a *applier) read(t schema.Target) any {
	return valueAt(a.out, t)
}

func valueAt(m map[string]any, t schema.Target) any {
	if t.Extension != "" {
		m, _ = m[t.Extension].(map[string]any)
	}
	if m == nil {
		return nil
	}
	return m[t.Attr.Name]
}

// write sets t's attribute to v, or unassigns it when v is nil.
func (a *applier) write(t schema.Target, v any) {
	a.own()
	k := keyOf(t)
	a.touched.add(k, t.Attr)
	delete(a.ownedList, k)
	delete(a.indexes, k)
	c := a.out
	if t.Extension != "" {
		c = a.extension(t.Extension, v != nil)
		if c == nil {
			return
		}
	}
	if v == nil {
		delete(c, t.Attr.Name)
		if t.Extension != "" && len(c) == 0 {
			delete(a.out, t.Extension)
		}
		return
	}
	c[t.Attr.Name] = v
}

// extension returns the writable map of the extension urn, copying it on
// first use and creating it when create is true.
func (a *applier) extension(urn string, create bool) map[string]any {
	m, _ := a.out[urn].(map[string]any)
	switch {
	case m == nil && !create:
		return nil
	case m == nil:
		m = make(map[string]any)
	case !a.ownedExt[urn]:
		m = maps.Clone(m)
	}
	put(&a.ownedExt, urn, true)
	a.own()
	a.out[urn] = m
	return m
}

// own makes out a map of the applier's own, a copy of in, on the first
// write: a request that writes nothing (setting a value it already has)
// copies nothing.
func (a *applier) own() {
	if !a.owned {
		a.out = maps.Clone(a.in)
		if a.out == nil {
			a.out = make(map[string]any)
		}
		a.owned = true
	}
}

// list returns a writable copy of the values of the multi-valued
// attribute t (copied once per Apply), with room for one more value.
func (a *applier) list(t schema.Target) []any {
	old, _ := a.read(t).([]any)
	if a.ownedList[keyOf(t)] {
		return old
	}
	out := make([]any, len(old), len(old)+1)
	copy(out, old)
	return out
}

// index returns the equality index of list, the owned list of t that the
// last call to setList stored (with values appended since), building it
// when there is none.
func (a *applier) index(t schema.Target, list []any) *valueIndex {
	k := keyOf(t)
	if ix, ok := a.indexes[k]; ok {
		for i := ix.size; i < len(list); i++ {
			ix.add(list[i], i)
		}
		ix.size = len(list)
		return ix
	}
	ix := newValueIndex(t, list)
	ix.size = len(list)
	return ix
}

// setIndexedList stores a list that this Apply owns together with its
// equality index.
func (a *applier) setIndexedList(t schema.Target, list []any, ix *valueIndex) {
	a.setList(t, list)
	if len(list) > 0 {
		ix.size = len(list)
		put(&a.indexes, keyOf(t), ix)
	}
}

// setList stores a list that this Apply owns.
func (a *applier) setList(t schema.Target, list []any) {
	if len(list) == 0 {
		a.write(t, nil)
		return
	}
	a.write(t, list)
	put(&a.ownedList, keyOf(t), true)
}

// changed reports whether any touched attribute differs from the input.
func (a *applier) changed() bool {
	for k, attr := range a.touched.all() {
		t := schema.Target{Extension: k.ext, Attr: attr}
		if !same(valueAt(a.in, t), valueAt(a.out, t)) {
			return true
		}
	}
	return false
}

// same reports whether two canonical values are identical: the same
// strings (in the same case), numbers, booleans, objects and lists in the
// same order. A value that differs only where the schema would consider
// it equal (the case of a string that is not caseExact) is still a change
// the client asked for.
func same(x, y any) bool {
	switch x := x.(type) {
	case nil:
		return y == nil
	case map[string]any:
		ym, ok := y.(map[string]any)
		if !ok || len(x) != len(ym) {
			return false
		}
		for k, xv := range x {
			yv, ok := ym[k]
			if !ok || !same(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		ys, ok := y.([]any)
		if !ok || len(x) != len(ys) {
			return false
		}
		for i := range x {
			if !same(x[i], ys[i]) {
				return false
			}
		}
		return true
	case string, bool, int64, float64, int, int32, float32, json.Number:
		return x == y
	}
	return false
}

func readOnly(a *schema.Attribute) bool {
	return a != nil && a.EffectiveMutability() == schema.ReadOnly
}

func immutable(a *schema.Attribute) bool {
	return a != nil && a.EffectiveMutability() == schema.Immutable
}

// displayName names a target for error details.
func displayName(t schema.Target) string {
	s := t.Attr.Name
	if t.Extension != "" {
		s = t.Extension + ":" + s
	}
	if t.Sub != nil {
		s += "." + t.Sub.Name
	}
	return s
}

func (a *applier) operation(op Operation) error {
	switch op.Op {
	case Add, Replace:
		if op.Value == nil {
			return schema.Errorf(schema.InvalidValue, "the %s operation needs a \"value\"", op.Op)
		}
	case Remove:
		if op.Path == nil {
			return schema.Errorf(schema.NoTarget, "a remove operation needs a \"path\"")
		}
	default:
		return schema.Errorf(schema.InvalidSyntax, "\"op\" must be \"add\", \"remove\" or \"replace\", not %q", op.Op)
	}
	switch p := op.Path; {
	case p == nil:
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return schema.Errorf(schema.InvalidValue, "the %s operation without \"path\" needs an object \"value\"", op.Op)
		}
		return a.object(op.Op, "", obj)
	case p.Attr == nil && p.Extension != "":
		return a.wholeExtension(op, p.Extension)
	case p.Attr == nil:
		return schema.Errorf(schema.InvalidPath, "the path %q names no attribute", op.RawPath)
	default:
		return a.path(op.Op, p, op.Value, false)
	}
}

// object applies a value without a path: each key as if it were the path.
// urn is the extension whose object this is, or "" at the top.
func (a *applier) object(op Op, urn string, obj map[string]any) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := obj[k]
		if urn == "" && strings.EqualFold(k, "schemas") {
			continue
		}
		kurn, rest := urn, k
		if urn == "" {
			kurn, rest = a.rt.SplitURN(k)
			if kurn != "" && rest == "" {
				if err := a.nested(op, kurn, v); err != nil {
					return err
				}
				continue
			}
		}
		if err := a.objectKey(op, kurn, rest, k, v); err != nil {
			return err
		}
	}
	return nil
}

// nested applies the object under a schema URN key of a path-less value.
func (a *applier) nested(op Op, urn string, v any) error {
	if v == nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return schema.Errorf(schema.InvalidValue, "the value of %q must be a JSON object", urn)
	}
	if strings.EqualFold(urn, a.rt.Schema.ID) {
		urn = a.rt.Schema.ID
	}
	return a.object(op, urn, obj)
}

// objectKey applies one key of a path-less value.
func (a *applier) objectKey(op Op, urn, rest, k string, v any) error {
	name, sub, _ := strings.Cut(rest, ".")
	t, ok := a.rt.Lookup(urn, name, sub)
	if !ok {
		if a.opts.Schema.RejectUnknown {
			return schema.Errorf(schema.InvalidPath, "the attribute %q is not defined by the %s resource type", k, a.rt.Name)
		}
		return nil
	}
	if strings.EqualFold(urn, a.rt.Schema.ID) {
		urn = ""
	}
	p := &filter.Path{AttrPath: filter.AttrPath{URN: urn, Name: name, SubAttr: sub, Target: t}}
	return a.path(op, p, v, true)
}

// wholeExtension applies an operation whose path is an extension URN.
func (a *applier) wholeExtension(op Operation, urn string) error {
	if op.Op != Remove {
		return a.nested(op.Op, urn, op.Value)
	}
	ext := a.rt.Extension(urn)
	for _, e := range a.rt.Extensions {
		if e.Schema == ext && e.Required {
			return schema.Errorf(schema.MutabilityError, "the extension %q is required and cannot be removed", urn)
		}
	}
	m, _ := a.out[ext.ID].(map[string]any)
	for _, attr := range ext.Attributes {
		if m[attr.Name] == nil {
			continue
		}
		t := schema.Target{Extension: ext.ID, Attr: attr}
		if readOnly(attr) {
			return schema.Errorf(schema.MutabilityError, "the attribute %q is readOnly", displayName(t))
		}
		if err := a.removeAttr(t); err != nil {
			return err
		}
	}
	return nil
}

// path applies one operation to a resolved path. fromObject says that the
// path is a key of a path-less value, where readOnly attributes are ignored.
func (a *applier) path(op Op, p *filter.Path, v any, fromObject bool) error {
	t := p.Target
	if t.Attr == schema.SchemasAttribute() {
		return schema.Errorf(schema.MutabilityError, "\"schemas\" follows from the attributes a resource has and cannot be patched")
	}
	if readOnly(t.Attr) || readOnly(t.Sub) {
		if fromObject {
			return nil
		}
		return schema.Errorf(schema.MutabilityError, "the attribute %q is readOnly", displayName(t))
	}
	if op == Remove {
		return a.remove(p, v)
	}
	switch {
	case p.Filter != nil || (t.Attr.MultiValued && t.Sub != nil):
		return a.setSelected(op, p, v)
	case t.Attr.MultiValued && op == Add:
		return a.addValues(t, v)
	case t.Attr.MultiValued:
		return a.replaceValues(t, v)
	case t.Sub != nil:
		return a.setSub(op, t, v)
	default:
		return a.setSingular(op, t, v)
	}
}

// setSingular adds or replaces a singular attribute; a complex value is
// merged into the existing one.
func (a *applier) setSingular(op Op, t schema.Target, v any) error {
	attr := t.Attr
	old := a.read(t)
	var nv any
	if attr.Type == schema.Complex {
		part, err := a.partial(attr, v)
		if err != nil {
			return err
		}
		if part == nil {
			if op == Add {
				return nil
			}
			return a.removeAttr(t)
		}
		om, _ := old.(map[string]any)
		merged, err := merge(attr, t, om, part)
		if err != nil {
			return err
		}
		if len(merged) > 0 {
			nv = merged
		}
	} else {
		cv, err := attr.CanonicalizeElement(v, a.opts.Schema)
		if err != nil {
			return err
		}
		if cv == nil {
			if op == Add {
				return nil
			}
			return a.removeAttr(t)
		}
		nv = cv
	}
	return a.set(t, old, nv)
}

// set stores nv as t's value after the immutable and required checks,
// leaving an equal old value in place.
func (a *applier) set(t schema.Target, old, nv any) error {
	attr := t.Attr
	if same(old, nv) {
		a.touched.add(keyOf(t), attr)
		return nil
	}
	if immutable(attr) && old != nil && !attr.Equal(old, nv) {
		return schema.Errorf(schema.MutabilityError, "the attribute %q is immutable and cannot be changed", displayName(t))
	}
	if attr.Required && (nv == nil || nv == "") {
		return schema.Errorf(schema.InvalidValue, "the attribute %q is required and must not be empty", displayName(t))
	}
	a.write(t, nv)
	return nil
}

// setSub adds or replaces a sub-attribute of a singular complex attribute.
func (a *applier) setSub(op Op, t schema.Target, v any) error {
	sv, err := t.Sub.Canonicalize(v, a.opts.Schema)
	if err != nil {
		return err
	}
	if sv == nil && op == Add {
		return nil
	}
	old := a.read(t)
	om, _ := old.(map[string]any)
	merged, err := merge(t.Attr, t, om, map[string]any{t.Sub.Name: sv})
	if err != nil {
		return err
	}
	var nv any
	if len(merged) > 0 {
		nv = merged
	}
	return a.set(schema.Target{Extension: t.Extension, Attr: t.Attr}, old, nv)
}

// partial canonicalises a value to merge into a complex attribute or into
// selected values: its sub-attributes (nil for those given as null, to be
// unassigned), without readOnly ones. A bare value stands for the "value"
// sub-attribute (Entra ID's manager). It returns nil for null or an empty
// object.
func (a *applier) partial(attr *schema.Attribute, v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		vs := attr.SubAttribute("value")
		_, list := v.([]any)
		if vs == nil || list {
			return nil, schema.Errorf(schema.InvalidValue, "the attribute %q must be given a JSON object", attr.Name)
		}
		obj = map[string]any{vs.Name: v}
	}
	out := make(map[string]any, len(obj))
	for k, sv := range obj {
		s := attr.SubAttribute(k)
		if s == nil {
			if a.opts.Schema.RejectUnknown {
				return nil, schema.Errorf(schema.InvalidPath, "the sub-attribute %q is not defined", attr.Name+"."+k)
			}
			continue
		}
		if readOnly(s) {
			continue
		}
		if _, dup := out[s.Name]; dup {
			return nil, schema.Errorf(schema.InvalidSyntax, "the sub-attribute %q is given more than once", attr.Name+"."+s.Name)
		}
		cv, err := s.Canonicalize(sv, a.opts.Schema)
		if err != nil {
			return nil, err
		}
		out[s.Name] = cv
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// merge returns a copy of old with the sub-attributes of part set (or
// unassigned where part holds nil). Changing or unassigning an immutable
// sub-attribute that has a value is a mutability error.
func merge(attr *schema.Attribute, t schema.Target, old, part map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(old)+len(part))
	for k, v := range old {
		out[k] = v
	}
	for k, nv := range part {
		s := attr.SubAttribute(k)
		ov := old[k]
		if immutable(s) && ov != nil && !s.Equal(ov, nv) {
			return nil, schema.Errorf(schema.MutabilityError, "the sub-attribute %q is immutable and cannot be changed", displayName(schema.Target{Extension: t.Extension, Attr: attr})+"."+k)
		}
		if nv == nil {
			if s != nil && s.Required && ov != nil {
				return nil, schema.Errorf(schema.MutabilityError, "the sub-attribute %q is required and cannot be removed", attr.Name+"."+k)
			}
			delete(out, k)
			continue
		}
		out[k] = nv
	}
	return out, nil
}

// addValues adds values to a multi-valued attribute, skipping those
// already there.
func (a *applier) addValues(t schema.Target, v any) error {
	cv, err := t.Attr.Canonicalize(v, a.opts.Schema)
	if err != nil || cv == nil {
		return err
	}
	values := cv.([]any)
	old, _ := a.read(t).([]any)
	if immutable(t.Attr) && len(old) > 0 {
		return schema.Errorf(schema.MutabilityError, "the attribute %q is immutable and cannot be changed", displayName(t))
	}
	list := a.list(t)
	ix := a.index(t, list)
	primary := -1
	added := false
	for _, e := range values {
		if ix.find(list, e) >= 0 {
			continue
		}
		list = append(list, e)
		ix.add(e, len(list)-1)
		added = true
		a.memberAdded(t, e)
		if isPrimary(e) {
			primary = len(list) - 1
		}
	}
	if !added {
		a.touched.add(keyOf(t), t.Attr)
		return nil
	}
	clearPrimary(list, primary, ix)
	a.setIndexedList(t, list, ix)
	return nil
}

// replaceValues replaces all values of a multi-valued attribute.
func (a *applier) replaceValues(t schema.Target, v any) error {
	cv, err := t.Attr.Canonicalize(v, a.opts.Schema)
	if err != nil {
		return err
	}
	if cv == nil {
		return a.removeAttr(t)
	}
	list := cv.([]any)
	if isMembers(t) {
		list = uniqueMembers(list)
	}
	old := a.read(t)
	if same(old, list) {
		a.touched.add(keyOf(t), t.Attr)
		return nil
	}
	if err := a.set(t, old, list); err != nil {
		return err
	}
	put(&a.ownedList, keyOf(t), true)
	if isMembers(t) {
		oldList, _ := old.([]any)
		for _, e := range oldList {
			a.memberRemoved(t, e)
		}
		for _, e := range list {
			a.memberAdded(t, e)
		}
	}
	return nil
}

// setSelected adds or replaces the values of a multi-valued complex
// attribute that the path's filter selects (all values without a filter),
// or their sub-attribute named by the path.
func (a *applier) setSelected(op Op, p *filter.Path, v any) error {
	t := p.Target
	old, _ := a.read(t).([]any)
	var selected []int
	for i, e := range old {
		if m, ok := e.(map[string]any); ok && (p.Filter == nil || filter.MatchValue(p.Filter, m)) {
			selected = append(selected, i)
		}
	}
	var part map[string]any
	if t.Sub != nil {
		sv, err := t.Sub.Canonicalize(v, a.opts.Schema)
		if err != nil {
			return err
		}
		if sv == nil && op == Add {
			return nil
		}
		part = map[string]any{t.Sub.Name: sv}
	} else {
		var err error
		if part, err = a.partial(t.Attr, v); err != nil {
			return err
		}
		if part == nil {
			return nil
		}
	}
	if len(selected) == 0 {
		if op == Replace && p.Filter != nil {
			return schema.Errorf(schema.NoTarget, "the filter %s matches no value of %q", p.Filter, displayName(schema.Target{Extension: t.Extension, Attr: t.Attr}))
		}
		return a.addSelected(p, part)
	}
	if primary, ok := part["primary"].(bool); ok && primary && len(selected) > 1 {
		return schema.Errorf(schema.InvalidValue, "the filter selects %d values of %q and only one may be primary", len(selected), t.Attr.Name)
	}
	replace := op == Replace && t.Sub == nil
	var whole map[string]any
	if replace {
		ce, err := t.Attr.CanonicalizeElement(v, a.opts.Schema)
		if err != nil {
			return err
		}
		if whole, _ = ce.(map[string]any); whole == nil {
			return schema.Errorf(schema.InvalidValue, "replacing the values of %q needs a value", t.Attr.Name)
		}
	}
	list := a.list(t)
	for _, i := range selected {
		om, _ := list[i].(map[string]any)
		var merged map[string]any
		var err error
		if replace {
			merged, err = replaceRecord(t, om, whole)
		} else {
			merged, err = merge(t.Attr, t, om, part)
		}
		if err != nil {
			return err
		}
		if memberID(om) != memberID(merged) {
			a.memberRemoved(t, om)
			a.memberAdded(t, merged)
		}
		list[i] = merged
	}
	if isPrimary(part) {
		clearPrimary(list, selected[0], nil)
	}
	a.setList(t, list)
	return nil
}

// replaceRecord returns a copy of nv to replace the selected value old
// (§3.5.2.3: matching record values are replaced), refusing to change or
// unassign an immutable sub-attribute that old has.
func replaceRecord(t schema.Target, old, nv map[string]any) (map[string]any, error) {
	for _, s := range t.Attr.SubAttributes {
		if ov := old[s.Name]; immutable(s) && ov != nil && !s.Equal(ov, nv[s.Name]) {
			return nil, schema.Errorf(schema.MutabilityError, "the sub-attribute %q is immutable and cannot be changed", displayName(schema.Target{Extension: t.Extension, Attr: t.Attr})+"."+s.Name)
		}
	}
	return maps.Clone(nv), nil
}

// addSelected adds the value that a filter describes (its "eq"
// comparisons joined by "and") with the sub-attributes part, for an add
// whose filter selected nothing.
func (a *applier) addSelected(p *filter.Path, part map[string]any) error {
	t := p.Target
	elem := make(map[string]any, len(part)+2)
	if p.Filter != nil && !describe(p.Filter, elem) {
		return schema.Errorf(schema.NoTarget, "the filter %s matches no value of %q", p.Filter, displayName(schema.Target{Extension: t.Extension, Attr: t.Attr}))
	}
	for k, v := range part {
		if v != nil {
			elem[k] = v
		}
	}
	ce, err := t.Attr.CanonicalizeElement(elem, a.opts.Schema)
	if err != nil || ce == nil {
		return err
	}
	if immutable(t.Attr) && a.read(t) != nil {
		return schema.Errorf(schema.MutabilityError, "the attribute %q is immutable and cannot be changed", displayName(t))
	}
	list := a.list(t)
	ix := a.index(t, list)
	if ix.find(list, ce) >= 0 {
		a.touched.add(keyOf(t), t.Attr)
		return nil
	}
	list = append(list, ce)
	ix.add(ce, len(list)-1)
	a.memberAdded(t, ce)
	if isPrimary(ce) {
		clearPrimary(list, len(list)-1, ix)
	}
	a.setIndexedList(t, list, ix)
	return nil
}

// describe fills elem with the sub-attribute values that the filter
// requires, and reports whether the filter is only "eq" comparisons joined
// by "and".
func describe(e filter.Expr, elem map[string]any) bool {
	switch e := e.(type) {
	case *filter.Compare:
		if e.Op != filter.Eq || e.Path.Attr == nil || e.Value == nil {
			return false
		}
		elem[e.Path.Attr.Name] = e.Value
		return true
	case *filter.Logical:
		return e.Op == filter.And && describe(e.Left, elem) && describe(e.Right, elem)
	}
	return false
}

func isPrimary(v any) bool {
	m, _ := v.(map[string]any)
	return m["primary"] == true
}

// clearPrimary sets "primary" false on every value but list[keep]
// (§3.5.2), keeping ix (when not nil) up to date. keep < 0 clears nothing.
func clearPrimary(list []any, keep int, ix *valueIndex) {
	if keep < 0 {
		return
	}
	for i, e := range list {
		if i == keep || !isPrimary(e) {
			continue
		}
		m := maps.Clone(e.(map[string]any))
		m["primary"] = false
		list[i] = m
		if ix != nil {
			ix.replace(e, m, i)
		}
	}
}

// remove applies a remove operation (§3.5.2.2).
func (a *applier) remove(p *filter.Path, v any) error {
	t := p.Target
	switch {
	case p.Filter == nil && t.Sub == nil && t.Attr.MultiValued && v != nil:
		return a.removeValues(t, v)
	case p.Filter == nil && t.Sub == nil:
		return a.removeAttr(t)
	case p.Filter == nil && !t.Attr.MultiValued:
		return a.removeSub(t)
	default:
		return a.removeSelected(p)
	}
}

// removeAttr unassigns an attribute.
func (a *applier) removeAttr(t schema.Target) error {
	if t.Attr.Required {
		return schema.Errorf(schema.MutabilityError, "the attribute %q is required and cannot be removed", displayName(t))
	}
	old := a.read(t)
	if old == nil {
		return nil
	}
	if immutable(t.Attr) {
		return schema.Errorf(schema.MutabilityError, "the attribute %q is immutable and cannot be removed", displayName(t))
	}
	if list, ok := old.([]any); ok {
		for _, e := range list {
			a.memberRemoved(t, e)
		}
	}
	a.write(t, nil)
	return nil
}

// removeSub unassigns a sub-attribute of a singular complex attribute.
func (a *applier) removeSub(t schema.Target) error {
	if t.Sub.Required {
		return schema.Errorf(schema.MutabilityError, "the sub-attribute %q is required and cannot be removed", displayName(t))
	}
	om, _ := a.read(t).(map[string]any)
	if om[t.Sub.Name] == nil {
		return nil
	}
	merged, err := merge(t.Attr, t, om, map[string]any{t.Sub.Name: nil})
	if err != nil {
		return err
	}
	whole := schema.Target{Extension: t.Extension, Attr: t.Attr}
	if len(merged) == 0 {
		return a.removeAttr(whole)
	}
	return a.set(whole, om, merged)
}

// removeSelected removes the values a filter selects, or their
// sub-attribute named by the path.
func (a *applier) removeSelected(p *filter.Path) error {
	t := p.Target
	if t.Sub != nil && t.Sub.Required {
		return schema.Errorf(schema.MutabilityError, "the sub-attribute %q is required and cannot be removed", displayName(t))
	}
	old, _ := a.read(t).([]any)
	selected := func(e any) bool {
		m, ok := e.(map[string]any)
		return ok && (p.Filter == nil || filter.MatchValue(p.Filter, m))
	}
	if t.Sub == nil {
		return a.keep(t, old, func(e any) bool { return !selected(e) })
	}
	var list []any
	for i, e := range old {
		m, _ := e.(map[string]any)
		if !selected(e) || m[t.Sub.Name] == nil {
			continue
		}
		if list == nil {
			list = a.list(t)
		}
		merged, err := merge(t.Attr, t, m, map[string]any{t.Sub.Name: nil})
		if err != nil {
			return err
		}
		if memberID(m) != memberID(merged) {
			a.memberRemoved(t, m)
		}
		list[i] = merged
	}
	if list != nil {
		a.setList(t, list)
	}
	return nil
}

// removeValues removes the values of a multi-valued attribute that match
// one of the given values: all the sub-attributes a given value has are
// equal.
func (a *applier) removeValues(t schema.Target, v any) error {
	cv, err := t.Attr.Canonicalize(v, a.opts.Schema)
	if err != nil || cv == nil {
		return err
	}
	patterns := cv.([]any)
	old, _ := a.read(t).([]any)
	if ids, ok := memberIDs(t, patterns); ok {
		return a.keep(t, old, func(e any) bool { return !ids[memberID(e)] })
	}
	px := newPatternIndex(t.Attr, patterns)
	return a.keep(t, old, func(e any) bool { return !px.matchesAny(e) })
}

// memberIDs returns the set of member ids when every pattern is a bare
// {"value": id} of group members.
func memberIDs(t schema.Target, patterns []any) (map[string]bool, bool) {
	if !isMembers(t) {
		return nil, false
	}
	ids := make(map[string]bool, len(patterns))
	for _, p := range patterns {
		m, _ := p.(map[string]any)
		id := memberID(m)
		if len(m) != 1 || id == "" {
			return nil, false
		}
		ids[id] = true
	}
	return ids, true
}

// matches reports whether e has every sub-attribute value of pattern (or,
// for a simple attribute, equals it).
func matches(attr *schema.Attribute, pattern, e any) bool {
	pm, ok := pattern.(map[string]any)
	if !ok {
		return attr.Equal(pattern, e)
	}
	em, ok := e.(map[string]any)
	if !ok {
		return false
	}
	for k, pv := range pm {
		s := attr.SubAttribute(k)
		if s == nil || !s.Equal(pv, em[k]) {
			return false
		}
	}
	return true
}

// keep keeps the values of old for which keepIt is true, removing the
// others.
func (a *applier) keep(t schema.Target, old []any, keepIt func(any) bool) error {
	var list []any
	for i, e := range old {
		if keepIt(e) {
			if list != nil {
				list = append(list, e)
			}
			continue
		}
		if list == nil {
			list = make([]any, i, len(old))
			copy(list, old[:i])
		}
		a.memberRemoved(t, e)
	}
	if list == nil {
		return nil
	}
	if immutable(t.Attr) {
		return schema.Errorf(schema.MutabilityError, "the attribute %q is immutable and cannot be changed", displayName(t))
	}
	if len(list) == 0 && t.Attr.Required {
		return schema.Errorf(schema.MutabilityError, "the attribute %q is required and cannot become unassigned", displayName(t))
	}
	a.setList(t, list)
	return nil
}
