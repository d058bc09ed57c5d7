package patch

import (
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// Delta is a change of group membership: remove every member when
// RemoveAll, then remove the members with the ids in Remove, then add the
// members in Add whose ids are not members yet.
type Delta struct {
	// Add holds canonical member objects ({"value": id, ...}) in request
	// order, one per id.
	Add []map[string]any
	// Remove holds member ids in request order.
	Remove []string
	// RemoveAll clears the membership first.
	RemoveAll bool
}

// MemberDelta expresses the request as a Delta when every operation only
// adds, removes or replaces members of a resource type whose core schema
// has a multi-valued complex "members" attribute: by path "members" (a
// remove with or without a value array of {"value": id}), by a remove with
// members[value eq "id"] (or several such comparisons joined by "or"), or
// path-less with a value whose only attribute is "members" (besides
// "schemas" and readOnly attributes, which Apply ignores). It reports false
// for any other request, which must go through Apply, and for values Apply
// would refuse, so that Apply reports the error.
//
// Applying the Delta to a member set has the effect Apply has, with one
// difference: member ids in a Delta compare exactly, while a value filter
// compares "value" as the schema says (not caseExact for Group members).
func (r *Request) MemberDelta(rt *schema.ResourceType) (Delta, bool) {
	t, ok := rt.Lookup("", "members", "")
	if !ok || !isMembers(t) {
		return Delta{}, false
	}
	// The sets are made by the first operation that needs them, so that
	// a request that is not about members costs nothing here.
	b := deltaBuilder{rt: rt, members: t.Attr}
	for _, op := range r.Operations {
		if !b.operation(op) {
			return Delta{}, false
		}
	}
	return b.delta(), true
}

// deltaBuilder folds operations into a Delta, in time proportional to the
// number of member values they carry.
type deltaBuilder struct {
	rt      *schema.ResourceType
	members *schema.Attribute
	// toAdd holds the members to add in request order, nil where one was
	// removed again; adding maps their ids to their index in toAdd.
	toAdd  []map[string]any
	adding map[string]int
	// toRemove holds the ids to remove in request order; removing is its
	// set.
	toRemove  []string
	removing  map[string]bool
	removeAll bool
}

// delta returns the Delta built so far.
func (b *deltaBuilder) delta() Delta {
	d := Delta{Remove: b.toRemove, RemoveAll: b.removeAll}
	if len(b.adding) > 0 {
		d.Add = make([]map[string]any, 0, len(b.adding))
		for _, m := range b.toAdd {
			if m != nil {
				d.Add = append(d.Add, m)
			}
		}
	}
	return d
}

func (b *deltaBuilder) operation(op Operation) bool {
	if op.Op != Remove && op.Value == nil {
		return false
	}
	value := op.Value
	switch p := op.Path; {
	case p == nil:
		v, ok := b.pathless(op)
		if !ok {
			return false
		}
		value = v
	case p.Attr != b.members && (p.Attr == nil || p.Extension != "" || p.Attr.Name != b.members.Name):
		return false
	case p.Target.Sub != nil:
		return false
	case p.Filter != nil:
		ids, ok := valueEqualities(p.Filter)
		if !ok || op.Op != Remove {
			return false
		}
		for _, id := range ids {
			b.removeID(id)
		}
		return true
	}
	switch op.Op {
	case Replace:
		b.clear()
		return b.add(value)
	case Add:
		return b.add(value)
	case Remove:
		if value == nil {
			b.clear()
			return true
		}
		return b.removeValues(value)
	}
	return false
}

// pathless returns the members value of a path-less add or replace whose
// value names no other attribute that Apply would change.
func (b *deltaBuilder) pathless(op Operation) (any, bool) {
	obj, ok := op.Value.(map[string]any)
	if !ok || op.Op == Remove {
		return nil, false
	}
	var value any
	found := false
	for k, v := range obj {
		if strings.EqualFold(k, "schemas") {
			continue
		}
		urn, rest := b.rt.SplitURN(k)
		if urn != "" && !strings.EqualFold(urn, b.rt.Schema.ID) {
			return nil, false
		}
		t, ok := b.rt.Lookup("", rest, "")
		switch {
		case ok && readOnly(t.Attr):
		case ok && t.Attr.Name == b.members.Name && !found:
			value, found = v, true
		default:
			return nil, false
		}
	}
	return value, found && value != nil
}

func (b *deltaBuilder) clear() {
	b.toAdd, b.toRemove, b.removeAll = nil, nil, true
	clear(b.adding)
	clear(b.removing)
}

func (b *deltaBuilder) removeID(id string) {
	if i, ok := b.adding[id]; ok {
		b.toAdd[i] = nil
		delete(b.adding, id)
	}
	if b.removeAll || b.removing[id] {
		return
	}
	if b.removing == nil {
		b.removing = map[string]bool{}
	}
	b.removing[id] = true
	b.toRemove = append(b.toRemove, id)
}

// add adds the members of a value as Apply does: each id once, the first
// value given for it winning.
func (b *deltaBuilder) add(value any) bool {
	cv, err := b.members.Canonicalize(value, schema.Options{})
	if err != nil {
		return false
	}
	elems, _ := cv.([]any)
	for _, e := range elems {
		m, _ := e.(map[string]any)
		id := memberID(m)
		if id == "" {
			return false
		}
		if _, ok := b.adding[id]; ok {
			continue
		}
		if b.adding == nil {
			b.adding = map[string]int{}
		}
		b.adding[id] = len(b.toAdd)
		b.toAdd = append(b.toAdd, m)
	}
	return true
}

// removeValues removes the members of a value array of {"value": id}.
func (b *deltaBuilder) removeValues(value any) bool {
	cv, err := b.members.Canonicalize(value, schema.Options{})
	if err != nil {
		return false
	}
	elems, _ := cv.([]any)
	ids, ok := memberIDs(schema.Target{Attr: b.members}, elems)
	if !ok {
		return false
	}
	for _, e := range elems {
		if id := memberID(e); ids[id] {
			b.removeID(id)
		}
	}
	return true
}

// valueEqualities returns the ids of a filter `value eq "id"`, or of
// several such comparisons joined by "or".
func valueEqualities(e filter.Expr) ([]string, bool) {
	switch e := e.(type) {
	case *filter.Compare:
		if e.Op != filter.Eq || e.Path.Attr == nil || e.Path.Attr.Name != "value" {
			return nil, false
		}
		id, ok := e.Value.(string)
		return []string{id}, ok && id != ""
	case *filter.Logical:
		if e.Op != filter.Or {
			return nil, false
		}
		left, ok := valueEqualities(e.Left)
		if !ok {
			return nil, false
		}
		right, ok := valueEqualities(e.Right)
		return append(left, right...), ok
	}
	return nil, false
}

// MemberIDs returns the "value" id of each member in a group's canonical
// attributes, in order.
func MemberIDs(attrs map[string]any) []string {
	members, _ := attrs["members"].([]any)
	ids := make([]string, 0, len(members))
	for _, m := range members {
		if id := memberID(m); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// isMembers reports whether t is a group's "members": the multi-valued
// complex "members" attribute of a core schema, with a "value" id.
func isMembers(t schema.Target) bool {
	a := t.Attr
	return t.Extension == "" && a != nil && a.Name == "members" && a.MultiValued &&
		a.Type == schema.Complex && a.SubAttribute("value") != nil
}

// memberID returns the "value" of a member object, or "".
func memberID(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["value"].(string)
	return id
}

// uniqueMembers drops the members whose id an earlier member has.
func uniqueMembers(list []any) []any {
	seen := make(map[string]bool, len(list))
	out := list[:0:0]
	for _, e := range list {
		id := memberID(e)
		if id != "" {
			if seen[id] {
				continue
			}
			seen[id] = true
		}
		out = append(out, e)
	}
	return out
}

// memberLog records the members one Apply adds and removes: for each id
// touched, whether it was a member before the first change and whether it
// is one now.
type memberLog struct {
	order []string
	was   map[string]bool
	now   map[string]bool
}

func (l *memberLog) record(id string, before, after bool) {
	if l.was == nil {
		l.was, l.now = make(map[string]bool), make(map[string]bool)
	}
	if _, seen := l.was[id]; !seen {
		l.was[id] = before
		l.order = append(l.order, id)
	}
	l.now[id] = after
}

// result returns the ids added and removed overall, in the order first
// touched.
func (l *memberLog) result() (added, removed []string) {
	for _, id := range l.order {
		switch was, now := l.was[id], l.now[id]; {
		case !was && now:
			added = append(added, id)
		case was && !now:
			removed = append(removed, id)
		}
	}
	return added, removed
}

// memberAdded records that e was added to t, when t is a group's members.
func (a *applier) memberAdded(t schema.Target, e any) {
	if id := memberID(e); id != "" && isMembers(t) {
		a.members.record(id, false, true)
	}
}

// memberRemoved records that e was removed from t, when t is a group's
// members.
func (a *applier) memberRemoved(t schema.Target, e any) {
	if id := memberID(e); id != "" && isMembers(t) {
		a.members.record(id, true, false)
	}
}
