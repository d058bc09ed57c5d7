package patch

import (
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// Delta is a change of group membership: remove every member when
// RemoveAll, then remove the members with the ids in Remove, then add the
// members in Add that are not members yet.
type Delta struct {
	// Add holds canonical member objects ({"value": id, ...}) in request
	// order, one per id.
	Add []map[string]any
	// Remove holds member ids.
	Remove []string
	// RemoveAll clears the membership first.
	RemoveAll bool
}

// MemberDelta expresses the request as a Delta when every operation only
// adds, removes or replaces members of a resource type with a "members"
// attribute (by path "members", by members[value eq "id"] for a remove, or
// path-less with a value {"members": [...]}). It reports false for any
// other request, which must go through Apply. Applying the Delta has the
// effect of applying the operations in order.
func (r *Request) MemberDelta(rt *schema.ResourceType) (Delta, bool) {
	members := rt.Schema.Attribute("members")
	if members == nil || !members.MultiValued || members.Type != schema.Complex {
		return Delta{}, false
	}
	b := deltaBuilder{members: members, adds: map[string]int{}, removes: map[string]bool{}}
	for _, op := range r.Operations {
		if !b.operation(op) {
			return Delta{}, false
		}
	}
	return b.delta(), true
}

// deltaBuilder folds operations into a Delta.
type deltaBuilder struct {
	members   *schema.Attribute
	removeAll bool
	removes   map[string]bool
	add       []map[string]any // nil entries were removed again
	adds      map[string]int   // id → index in add
}

func (b *deltaBuilder) operation(op Operation) bool {
	value := op.Value
	switch {
	case op.Path == nil:
		obj, _ := op.Value.(map[string]any)
		if len(obj) != 1 {
			return false
		}
		for k, v := range obj {
			if !strings.EqualFold(k, b.members.Name) {
				return false
			}
			value = v
		}
	case op.Path.Attr == nil || op.Path.Extension != "" || op.Path.Target.Sub != nil ||
		!strings.EqualFold(op.Path.Attr.Name, b.members.Name):
		return false
	case op.Path.Filter != nil:
		id, ok := valueEquality(op.Path.Filter)
		if !ok || op.Op != Remove {
			return false
		}
		b.remove(id)
		return true
	}
	switch op.Op {
	case Replace:
		b.clear()
		return b.addAll(value)
	case Add:
		return b.addAll(value)
	default: // remove by path "members"
		if value == nil {
			b.clear()
			return true
		}
		ids, ok := b.ids(value)
		for _, id := range ids {
			b.remove(id)
		}
		return ok
	}
}

func (b *deltaBuilder) clear() {
	b.removeAll = true
	b.removes = map[string]bool{}
	b.add = nil
	b.adds = map[string]int{}
}

func (b *deltaBuilder) remove(id string) {
	if i, ok := b.adds[id]; ok {
		b.add[i] = nil
		delete(b.adds, id)
	}
	b.removes[id] = true
}

func (b *deltaBuilder) addAll(value any) bool {
	cv, err := b.members.Canonicalize(value, schema.Options{})
	if err != nil {
		return false
	}
	elems, _ := cv.([]any)
	for _, e := range elems {
		m, _ := e.(map[string]any)
		id, _ := m["value"].(string)
		if id == "" {
			return false
		}
		if i, ok := b.adds[id]; ok {
			b.add[i] = m
			continue
		}
		b.adds[id] = len(b.add)
		b.add = append(b.add, m)
	}
	return true
}

// ids returns the member ids of a value array.
func (b *deltaBuilder) ids(value any) ([]string, bool) {
	cv, err := b.members.Canonicalize(value, schema.Options{})
	if err != nil {
		return nil, false
	}
	elems, _ := cv.([]any)
	ids := make([]string, 0, len(elems))
	for _, e := range elems {
		m, _ := e.(map[string]any)
		id, _ := m["value"].(string)
		if id == "" {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

func (b *deltaBuilder) delta() Delta {
	d := Delta{RemoveAll: b.removeAll}
	for id := range b.removes {
		d.Remove = append(d.Remove, id)
	}
	for _, m := range b.add {
		if m != nil {
			d.Add = append(d.Add, m)
		}
	}
	return d
}

// valueEquality returns id for the filter `value eq "id"`.
func valueEquality(e filter.Expr) (string, bool) {
	c, ok := e.(*filter.Compare)
	if !ok || c.Op != filter.Eq || c.Path.Attr == nil || c.Path.Attr.Name != "value" {
		return "", false
	}
	id, ok := c.Value.(string)
	return id, ok
}

// MemberIDs returns the "value" of each member in a group's canonical
// attributes.
func MemberIDs(attrs map[string]any) []string {
	members, _ := attrs["members"].([]any)
	ids := make([]string, 0, len(members))
	for _, m := range members {
		if obj, ok := m.(map[string]any); ok {
			if id, ok := obj["value"].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// diffIDs returns the ids in after and not before, and in before and not
// after.
func diffIDs(before, after []string) (added, removed []string) {
	in := make(map[string]bool, len(before))
	for _, id := range before {
		in[id] = true
	}
	for _, id := range after {
		if !in[id] {
			added = append(added, id)
		}
		delete(in, id)
	}
	for _, id := range before {
		if in[id] {
			removed = append(removed, id)
		}
	}
	return added, removed
}
