// Package memory is an indexed, in-memory SCIM store: the zero-setup
// default for tests, demos and applications whose directory fits in memory.
//
// A DB holds a Users and a Groups store that share group membership, so
// that a user's "groups" attribute is computed from the groups that list
// it. Lookups by id, userName (case-insensitive), externalId and a group's
// displayName are index lookups, whatever the number of resources, and so
// are filters that compare one of them with "eq" (alone or in an "and").
// A group's members are held in a set: adding or removing one member
// costs the same in a group of 100 or of 100,000.
//
// Data lives as long as the process; nothing is persisted.
package memory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// DB is a set of stores that share one lock and group membership.
type DB struct {
	mu     sync.RWMutex
	users  *Store
	groups *Store
	// stores are the stores of the DB, whose resources members may name.
	stores []*Store
	// groupsOf maps a member id to the groups that list it.
	groupsOf map[string]*membership
	now      func() time.Time
}

// New returns an empty DB with a Users store (User resource type with the
// Enterprise User extension) and a Groups store.
func New() *DB {
	db := &DB{groupsOf: map[string]*membership{}, now: time.Now}
	db.users = newStore(db, schema.UserResourceType())
	db.groups = newStore(db, schema.GroupResourceType())
	return db
}

// NewStore returns a standalone store for a custom resource type. A
// "members" attribute of the resource type is kept as a membership set,
// whose members must be resources of this store.
func NewStore(rt *schema.ResourceType) *Store {
	db := &DB{groupsOf: map[string]*membership{}, now: time.Now}
	return newStore(db, rt)
}

// Users returns the store of User resources.
func (db *DB) Users() *Store { return db.users }

// Groups returns the store of Group resources.
func (db *DB) Groups() *Store { return db.groups }

// Store keeps the resources of one resource type. It is safe for
// concurrent use and implements scim.ResourceStore and these optional
// interfaces:
//
//   - scim.Patcher: PATCH is applied without holding the store's lock, then
//     committed if the resource did not change meanwhile (and retried a few
//     times when the client set no If-Match); a request that only changes
//     membership costs the members it names, whatever the group's size.
//     With a projection that shows all of it, the resource Patch returns
//     is the record's shared snapshot, not a copy: do not modify it.
//   - scim.CursorLister: cursor paging in creation order (RFC 9865).
//
// Group members must name resources of the same DB: a member id that names
// none, or is empty, is refused with 400 invalidValue, atomically with
// respect to deletes. Deleting a resource removes it from the groups that
// list it and reports each such group's change with scim.ReportChange.
type Store struct {
	db *DB
	// beforeApply, when set, runs before a PATCH is applied outside the
	// lock (for tests).
	beforeApply func()
	rt          *schema.ResourceType
	byID        map[string]*record
	order       []*record // creation order, with deleted records until compacted
	deleted     int
	seq         int64
	indexes     map[string]*index // by attribute name
	// hasMembers says the resource type's members are kept as a set;
	// hasGroups says its groups attribute is computed from membership.
	hasMembers, hasGroups bool
}

var (
	_ scim.ResourceStore  = (*Store)(nil)
	_ scim.Patcher        = (*Store)(nil)
	_ scim.CursorLister   = (*Store)(nil)
	_ scim.SnapshotReader = (*Store)(nil)
)

// record is a stored resource. attrs never holds members and is never
// modified in place: a write replaces it. It holds the computed groups
// as they were at the record's last write (keepGroups), so that the
// record's snapshot can share the map. A later change of membership makes
// them stale: sharedAfter uses them only while they are the very list
// groupsOf returns, snapshot drops them, and filters that name groups
// read a snapshot.
type record struct {
	id    string
	seq   int64
	attrs map[string]any
	// created and lastModified are UTC instants in Unix nanoseconds,
	// which take a third of the space of a time.Time.
	created      int64
	lastModified int64
	version      int64
	members      *memberSet
	deleted      bool
	// snap is the record's shared snapshot, built by the first read that
	// wants one and dropped by every change of what it shows: a write,
	// a change of membership, a change of a group the record is in.
	// It is built and stored under the read lock and dropped under the
	// write lock, so a snapshot is never stored after its record moved on.
	snap atomic.Pointer[scim.Snapshot]
}

// membership is the groups that list a resource.
type membership struct {
	ids map[string]struct{}
	// list is the resource's computed "groups" attribute, built by the
	// first snapshot that wants it and dropped by a change of the
	// resource's membership or of the displayName of a group it is in
	// (invalidate). A write of the resource's own attributes keeps it:
	// they do not change what groups list it.
	list atomic.Pointer[[]any]
}

// index maps a value of one attribute (lower-cased when the attribute is
// not caseExact) to the records holding it. A value held by one record,
// the common case, costs one map entry; only values held by several
// records get a set of their own.
type index struct {
	attr   *schema.Attribute
	unique bool
	one    map[string]*record
	many   map[string]map[string]*record
}

func newIndex(a *schema.Attribute, unique bool) *index {
	return &index{attr: a, unique: unique, one: map[string]*record{}, many: map[string]map[string]*record{}}
}

// records returns the records holding the value with key k.
func (ix *index) records(k string) []*record {
	if rec, ok := ix.one[k]; ok {
		return []*record{rec}
	}
	if len(ix.many[k]) == 0 {
		return nil
	}
	recs := make([]*record, 0, len(ix.many[k]))
	for _, rec := range ix.many[k] {
		recs = append(recs, rec)
	}
	return recs
}

// heldByOther reports whether a record other than self (nil for none)
// holds the value with key k.
func (ix *index) heldByOther(k string, self *record) bool {
	if rec, ok := ix.one[k]; ok {
		return rec != self
	}
	for _, rec := range ix.many[k] {
		if rec != self {
			return true
		}
	}
	return false
}

func (ix *index) add(k string, rec *record) {
	if set, ok := ix.many[k]; ok {
		set[rec.id] = rec
		return
	}
	prev, ok := ix.one[k]
	if !ok || prev.id == rec.id {
		ix.one[k] = rec
		return
	}
	delete(ix.one, k)
	ix.many[k] = map[string]*record{prev.id: prev, rec.id: rec}
}

func (ix *index) remove(k string, rec *record) {
	if prev, ok := ix.one[k]; ok {
		if prev.id == rec.id {
			delete(ix.one, k)
		}
		return
	}
	set, ok := ix.many[k]
	if !ok {
		return
	}
	delete(set, rec.id)
	if len(set) == 1 {
		for _, last := range set {
			ix.one[k] = last
		}
		delete(ix.many, k)
	}
}

// key returns the index key of v: v itself when the attribute is
// caseExact, else its case-folded form, equal for two strings exactly when
// strings.EqualFold (the filter's "eq" for such attributes) says they are
// equal, so that an index hit needs no second comparison.
func (ix *index) key(v string) string {
	if ix.attr.CaseExact {
		return v
	}
	return filter.FoldString(v)
}

func newStore(db *DB, rt *schema.ResourceType) *Store {
	s := &Store{db: db, rt: rt, byID: map[string]*record{}, indexes: map[string]*index{}}
	db.stores = append(db.stores, s)
	for _, a := range rt.Schema.Attributes {
		if a.MultiValued || (a.Type != schema.String && a.Type != schema.Reference) {
			continue
		}
		unique := a.EffectiveUniqueness() != schema.UniqueNone
		if unique || strings.EqualFold(a.Name, "displayName") {
			s.indexes[a.Name] = newIndex(a, unique)
		}
	}
	for _, a := range schema.CommonAttributes() {
		if a.Name == "externalId" {
			s.indexes[a.Name] = newIndex(a, false)
		}
	}
	if m := rt.Schema.Attribute("members"); m != nil && m.MultiValued && m.Type == schema.Complex {
		s.hasMembers = true
	}
	if g := rt.Schema.Attribute("groups"); g != nil && g.EffectiveMutability() == schema.ReadOnly {
		s.hasGroups = true
	}
	return s
}

// Create stores a new resource with a new id.
func (s *Store) Create(ctx context.Context, r *scim.Resource) (*scim.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	attrs, members := s.split(r.Attributes)
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	rec, err := s.create(attrs, members)
	if err != nil {
		return nil, err
	}
	return s.snapshot(rec, true, true), nil
}

// CreateSnapshot implements scim.SnapshotWriter: Create, taking r's
// attributes over instead of copying them, answered with the record's
// shared snapshot.
func (s *Store) CreateSnapshot(ctx context.Context, r *scim.Resource) (*scim.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	attrs, members := s.separate(r.Attributes)
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	rec, err := s.create(attrs, members)
	if err != nil {
		return nil, err
	}
	return s.shared(rec), nil
}

// create stores a new record of attrs and members, which it keeps. The
// caller holds the write lock.
func (s *Store) create(attrs map[string]any, members []map[string]any) (*record, error) {
	if err := s.checkUnique(attrs, nil); err != nil {
		return nil, err
	}
	if err := s.db.checkMembers(memberIDs(members)); err != nil {
		return nil, err
	}
	now := s.db.now().UnixNano()
	s.seq++
	rec := &record{id: newID(), seq: s.seq, attrs: attrs, created: now, lastModified: now, version: 1}
	if s.hasMembers {
		rec.members = newMemberSet()
		for _, m := range members {
			s.addMember(rec, m)
		}
	}
	s.byID[rec.id] = rec
	s.order = append(s.order, rec)
	s.indexAdd(rec)
	return rec, nil
}

// Get returns the resource with the given id. A projection that leaves out
// members does not build them.
func (s *Store) Get(ctx context.Context, id string, p schema.Projection) (*scim.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.db.mu.RLock()
	defer s.db.mu.RUnlock()
	rec, ok := s.byID[id]
	if !ok {
		return nil, notFound(s.rt, id)
	}
	return s.snapshot(rec, s.hasMembers && p.Includes(s.rt, "members"), s.hasGroups && p.Includes(s.rt, "groups")), nil
}

// Replace stores r in place of the resource with r.ID.
func (s *Store) Replace(ctx context.Context, r *scim.Resource, ifVersion string) (*scim.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	attrs, members := s.split(r.Attributes)
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	rec, _, err := s.replace(r.ID, attrs, members, ifVersion)
	if err != nil {
		return nil, err
	}
	return s.snapshot(rec, true, true), nil
}

// ReplaceSnapshot implements scim.SnapshotWriter: Replace, taking r's
// attributes over instead of copying them, answered with the record's
// shared snapshot, whose encoding reuses the old one's for the values
// the two share.
func (s *Store) ReplaceSnapshot(ctx context.Context, r *scim.Resource, ifVersion string) (*scim.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	attrs, members := s.separate(r.Attributes)
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	rec, prev, err := s.replace(r.ID, attrs, members, ifVersion)
	if err != nil {
		return nil, err
	}
	return s.sharedAfter(rec, prev), nil
}

// replace stores attrs and members, which it keeps, in place of the
// record with the given id, and returns the record and its snapshot
// before, if it had one. The caller holds the write lock.
func (s *Store) replace(id string, attrs map[string]any, members []map[string]any, ifVersion string) (*record, *scim.Snapshot, error) {
	rec, err := s.current(id, ifVersion)
	if err != nil {
		return nil, nil, err
	}
	if s.hasMembers {
		if err := s.db.checkMembers(memberIDs(members)); err != nil {
			return nil, nil, err
		}
	}
	prev := rec.snap.Load()
	if err := s.write(rec, attrs, members, true); err != nil {
		return nil, nil, err
	}
	return rec, prev, nil
}

// Delete removes the resource, and removes it from every group that lists
// it.
func (s *Store) Delete(ctx context.Context, id string, ifVersion string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.db.mu.Lock()
	rec, err := s.current(id, ifVersion)
	if err != nil {
		s.db.mu.Unlock()
		return err
	}
	s.indexRemove(rec)
	delete(s.byID, id)
	rec.deleted = true
	s.deleted++
	s.compact()
	if rec.members != nil {
		for _, m := range rec.members.values() {
			s.db.unlink(m["value"].(string), id)
		}
	}
	changed := s.db.removeFromGroups(id)
	s.db.mu.Unlock()
	for _, g := range changed {
		scim.ReportChange(ctx, scim.Change{Kind: scim.Patched, ResourceType: s.db.groups.rt.Name, ID: g.ID,
			MembersRemoved: []string{id}, Resource: g})
	}
	return nil
}

// maxPatchAttempts bounds how often a PATCH without If-Match is applied
// again when concurrent writers keep changing the resource meanwhile.
const maxPatchAttempts = 25

// Patch applies req atomically. A request that only changes membership is
// applied to the member set directly, in time proportional to the number
// of members it names. Any other goes through patch.Apply on a snapshot,
// without holding the lock, and is committed only if the resource's
// version did not move meanwhile: when it did, the request fails with
// scim.ErrPreconditionFailed if the client sent ifVersion, and is applied
// again to the new state otherwise (a bounded number of times).
func (s *Store) Patch(ctx context.Context, id string, req *patch.Request, ifVersion string, p schema.Projection) (*scim.Resource, *patch.Result, error) {
	withMembers := s.hasMembers && p.Includes(s.rt, "members")
	withGroups := s.hasGroups && p.Includes(s.rt, "groups")
	out, res, err := s.patch(ctx, id, req, ifVersion, withMembers, withGroups)
	return out.res, res, err
}

// PatchSnapshot implements scim.SnapshotWriter: Patch with the zero
// projection, answered with the record's shared snapshot. The new
// snapshot's encoding reuses the old one's for the values the request left
// alone, and an unchanged resource keeps its snapshot.
func (s *Store) PatchSnapshot(ctx context.Context, id string, req *patch.Request, ifVersion string) (*scim.Snapshot, *patch.Result, error) {
	out, res, err := s.patch(ctx, id, req, ifVersion, s.hasMembers, s.hasGroups)
	return out.snap, res, err
}

// patched is what a PATCH answers: the resource, and its snapshot when
// the resource is the record's shared snapshot.
type patched struct {
	res  *scim.Resource
	snap *scim.Snapshot
}

func (s *Store) patch(ctx context.Context, id string, req *patch.Request, ifVersion string, withMembers, withGroups bool) (patched, *patch.Result, error) {
	if err := ctx.Err(); err != nil {
		return patched{}, nil, err
	}
	if delta, ok := req.MemberDelta(s.rt); ok && s.hasMembers {
		return s.patchMembers(id, delta, ifVersion, withMembers, withGroups)
	}
	for attempt := 1; ; attempt++ {
		out, res, err := s.patchOnce(id, req, ifVersion, withMembers, withGroups)
		if !errors.Is(err, errMoved) {
			return out, res, err
		}
		if ifVersion != "" {
			return patched{}, nil, fmt.Errorf("%w: %s %s changed while the PATCH was applied", scim.ErrPreconditionFailed, s.rt.Name, id)
		}
		if attempt == maxPatchAttempts {
			return patched{}, nil, scim.NewError(http.StatusServiceUnavailable, "", "the resource is being changed by other requests; try again")
		}
		if err := ctx.Err(); err != nil {
			return patched{}, nil, err
		}
	}
}

// errMoved says that a resource changed between the snapshot a PATCH was
// applied to and its commit.
var errMoved = errors.New("memory: the resource changed during the PATCH")

// patchMembers applies a membership delta under the lock.
func (s *Store) patchMembers(id string, delta patch.Delta, ifVersion string, withMembers, withGroups bool) (patched, *patch.Result, error) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	rec, err := s.current(id, ifVersion)
	if err != nil {
		return patched{}, nil, err
	}
	ids := make([]string, len(delta.Add))
	for i, m := range delta.Add {
		ids[i], _ = m["value"].(string)
	}
	if err := s.db.checkMembers(ids); err != nil {
		return patched{}, nil, err
	}
	prev := rec.snap.Load()
	res, rewrote := s.applyDelta(rec, delta)
	if rewrote {
		s.touch(rec)
	}
	return s.result(rec, prev, withMembers, withGroups), res, nil
}

// patchOnce applies req to a snapshot of the resource outside the lock and
// commits the outcome if the resource is still at the snapshot's version,
// returning errMoved otherwise.
func (s *Store) patchOnce(id string, req *patch.Request, ifVersion string, withMembers, withGroups bool) (patched, *patch.Result, error) {
	s.db.mu.RLock()
	rec, err := s.current(id, ifVersion)
	if err != nil {
		s.db.mu.RUnlock()
		return patched{}, nil, err
	}
	// Records' attributes and member objects are never modified in place
	// and Apply does not modify its input, so the snapshot shares them.
	version := rec.version
	current := rec.attrs
	var before []map[string]any
	if s.hasMembers {
		before = rec.members.values()
	}
	s.db.mu.RUnlock()

	if len(before) > 0 {
		list := make([]any, len(before))
		for i, m := range before {
			list[i] = m
		}
		current = maps.Clone(current)
		current["members"] = list
	}
	if s.beforeApply != nil {
		s.beforeApply()
	}
	attrs, res, err := patch.Apply(s.rt, current, req)
	if err != nil {
		return patched{}, nil, err
	}
	// A changed outcome is a map of Apply's own whose values are the
	// record's (never modified in place) or the request's (not used after
	// the request): they are kept as they are. An unchanged one may be the
	// record's own map, and is not used.
	var kept map[string]any
	var members []map[string]any
	if res.Changed {
		kept, members = s.separate(attrs)
	}
	var set *memberSet
	var added, removed []string
	if s.hasMembers && res.Changed {
		set = newMemberSet()
		for _, m := range members {
			set.add(m["value"].(string), m)
		}
		was := make(map[string]bool, len(before))
		for _, m := range before {
			id := m["value"].(string)
			was[id] = true
			if _, ok := set.index[id]; !ok {
				removed = append(removed, id)
			}
		}
		for _, m := range set.values() {
			if id := m["value"].(string); !was[id] {
				added = append(added, id)
			}
		}
	}

	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	rec, ok := s.byID[id]
	if !ok {
		return patched{}, nil, notFound(s.rt, id)
	}
	if rec.version != version {
		return patched{}, nil, errMoved
	}
	prev := rec.snap.Load()
	if res.Changed {
		if err := s.checkUnique(kept, rec); err != nil {
			return patched{}, nil, err
		}
		if err := s.db.checkMembers(added); err != nil {
			return patched{}, nil, err
		}
		s.reindex(rec, kept)
		s.renamed(rec, rec.attrs, kept)
		rec.attrs = kept
		if set != nil {
			rec.members = set
			for _, m := range removed {
				s.db.unlink(m, rec.id)
			}
			for _, m := range added {
				s.db.link(m, rec.id)
			}
		}
		s.keepGroups(rec)
		s.touch(rec)
	}
	return s.result(rec, prev, withMembers, withGroups), res, nil
}

// result returns what a PATCH answers: the record's shared snapshot when
// the projection shows all of it (the server only reads a Patcher's
// result), else a copy of what it shows. prev is the record's snapshot
// before the PATCH, if it had one, whose encoding the new one reuses.
func (s *Store) result(rec *record, prev *scim.Snapshot, withMembers, withGroups bool) patched {
	if withMembers == s.hasMembers && withGroups == s.hasGroups {
		snap := s.sharedAfter(rec, prev)
		return patched{res: snap.Resource(), snap: snap}
	}
	return patched{res: s.snapshot(rec, withMembers, withGroups)}
}

// applyDelta changes a group's member set. rewrote reports whether any
// member was removed or added: then the group needs a new version even
// when its set of members is the same, since a member removed and added
// back comes last, with the object of the add, and the group's snapshot
// and a client's If-None-Match rely on the version.
func (s *Store) applyDelta(rec *record, d patch.Delta) (res *patch.Result, rewrote bool) {
	res = &patch.Result{}
	if d.RemoveAll {
		for _, m := range rec.members.values() {
			id := m["value"].(string)
			s.removeMember(rec, id)
			res.MembersRemoved = append(res.MembersRemoved, id)
		}
	}
	for _, id := range d.Remove {
		if s.removeMember(rec, id) {
			res.MembersRemoved = append(res.MembersRemoved, id)
		}
	}
	for _, m := range d.Add {
		if s.addMember(rec, m) {
			res.MembersAdded = append(res.MembersAdded, m["value"].(string))
		}
	}
	rewrote = len(res.MembersAdded)+len(res.MembersRemoved) > 0
	res.MembersAdded, res.MembersRemoved = netChanges(res.MembersAdded, res.MembersRemoved)
	res.Changed = len(res.MembersAdded)+len(res.MembersRemoved) > 0
	return res, rewrote
}

// netChanges drops the ids that were both removed and added again.
func netChanges(added, removed []string) ([]string, []string) {
	if len(added) == 0 || len(removed) == 0 {
		return added, removed
	}
	back := make(map[string]bool, len(added))
	for _, id := range added {
		back[id] = true
	}
	var a, r []string
	for _, id := range removed {
		if back[id] {
			delete(back, id)
			continue
		}
		r = append(r, id)
	}
	for _, id := range added {
		if back[id] {
			a = append(a, id)
		}
	}
	return a, r
}

// List returns the page of resources q selects.
func (s *Store) List(ctx context.Context, q *scim.Query) (*scim.Page, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.db.mu.RLock()
	defer s.db.mu.RUnlock()
	recs, total := s.page(q)
	page := &scim.Page{TotalResults: total}
	if len(recs) == 0 {
		return page, nil
	}
	withMembers := s.hasMembers && q.Projection.Includes(s.rt, "members")
	withGroups := s.hasGroups && q.Projection.Includes(s.rt, "groups")
	page.Resources = make([]*scim.Resource, len(recs))
	for i, rec := range recs {
		page.Resources[i] = s.snapshot(rec, withMembers, withGroups)
	}
	return page, nil
}

// ListSnapshots returns the page of resources q selects, as List does with
// the zero projection, sharing each resource's snapshot instead of copying
// it.
func (s *Store) ListSnapshots(ctx context.Context, q *scim.Query) ([]*scim.Snapshot, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	s.db.mu.RLock()
	defer s.db.mu.RUnlock()
	recs, total := s.page(q)
	if len(recs) == 0 {
		return nil, total, nil
	}
	out := make([]*scim.Snapshot, len(recs))
	for i, rec := range recs {
		out[i] = s.shared(rec)
	}
	return out, total, nil
}

// GetSnapshot returns the resource with the given id, as Get does with the
// zero projection, sharing its snapshot instead of copying it.
func (s *Store) GetSnapshot(ctx context.Context, id string) (*scim.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.db.mu.RLock()
	defer s.db.mu.RUnlock()
	rec, ok := s.byID[id]
	if !ok {
		return nil, notFound(s.rt, id)
	}
	return s.shared(rec), nil
}

// page returns the records of the page q selects and the number of
// matches. The caller holds the lock.
func (s *Store) page(q *scim.Query) ([]*record, int) {
	if q.Filter == nil && q.SortBy == nil {
		return s.pageInOrder(q)
	}
	if q.SortBy == nil {
		// The page is the matches in creation order: keep only its
		// records while counting the rest.
		start := max(q.StartIndex, 1) - 1
		var recs []*record
		total := 0
		s.scan(q, func(rec *record, _ map[string]any) {
			if total >= start && len(recs) < q.Count {
				recs = append(recs, rec)
			}
			total++
		})
		return recs, total
	}
	type match struct {
		rec *record
		doc map[string]any
	}
	var found []match
	s.scan(q, func(rec *record, doc map[string]any) {
		found = append(found, match{rec, doc})
	})
	by, desc := *q.SortBy, q.Descending
	sort.SliceStable(found, func(i, j int) bool { return filter.CompareBy(found[i].doc, found[j].doc, by, desc) < 0 })
	start := max(q.StartIndex, 1) - 1
	if start >= len(found) || q.Count <= 0 {
		return nil, len(found)
	}
	end := min(start+q.Count, len(found))
	recs := make([]*record, 0, end-start)
	for _, m := range found[start:end] {
		recs = append(recs, m.rec)
	}
	return recs, len(found)
}

// pageInOrder answers a query without filter or sortBy: every resource
// matches, in creation order, so the page is found without visiting the
// resources after it, whatever the number of resources.
func (s *Store) pageInOrder(q *scim.Query) ([]*record, int) {
	total := len(s.byID)
	start := max(q.StartIndex, 1) - 1
	if start >= total || q.Count <= 0 {
		return nil, total
	}
	recs := make([]*record, 0, min(q.Count, total-start))
	skipped := 0
	for _, rec := range s.order {
		if len(recs) == q.Count {
			break
		}
		if rec.deleted {
			continue
		}
		if skipped < start {
			skipped++
			continue
		}
		recs = append(recs, rec)
	}
	return recs, total
}

// ListAfter pages through the resources q.Filter selects in creation
// order, after the position after (a creation sequence number). Resources
// created while a client pages appear at the end, once; deleted ones
// disappear.
func (s *Store) ListAfter(ctx context.Context, q *scim.Query, after string) (*scim.Page, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	var from int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("memory: cursor position %q: %w", after, err)
		}
		from = n
	}
	s.db.mu.RLock()
	defer s.db.mu.RUnlock()
	withMembers := s.hasMembers && q.Projection.Includes(s.rt, "members")
	withGroups := s.hasGroups && q.Projection.Includes(s.rt, "groups")
	page := &scim.Page{}
	next, last := "", int64(0)
	s.scan(q, func(rec *record, _ map[string]any) {
		page.TotalResults++
		if rec.seq <= from {
			return
		}
		switch {
		case len(page.Resources) < q.Count:
			page.Resources = append(page.Resources, s.snapshot(rec, withMembers, withGroups))
			last = rec.seq
		case next == "" && len(page.Resources) > 0:
			next = strconv.FormatInt(last, 10)
		}
	})
	return page, next, nil
}

// scan calls match, in creation order, for each live record that
// q.Filter selects, with the document the filter read (the record's
// attributes, or its document when the query names members, groups, id,
// meta or schemas). Records come from an index when the filter has an
// indexed "eq" comparison. The caller holds the lock.
func (s *Store) scan(q *scim.Query, match func(rec *record, doc map[string]any)) {
	candidates, indexed := s.lookup(q.Filter)
	// An index hit of a filter that is one "eq" comparison is a match:
	// index keys are equal exactly when the comparison says so.
	_, exact := q.Filter.(*filter.Compare)
	exact = exact && indexed
	if !indexed {
		candidates = s.order
	}
	needMembers := s.hasMembers && mentions(q, "members")
	needGroups := s.hasGroups && mentions(q, "groups")
	needDoc := mentionsDocOnly(q)
	for _, rec := range candidates {
		if rec.deleted {
			continue
		}
		doc := rec.attrs
		switch {
		case needMembers || needGroups:
			doc = scim.Document(s.rt, s.snapshot(rec, needMembers, needGroups))
		case needDoc:
			doc = s.document(rec)
		}
		if q.Filter == nil || exact || filter.Match(q.Filter, doc) {
			match(rec, doc)
		}
	}
}

// mentions reports whether the query's filter or sortBy names the
// attribute.
func mentions(q *scim.Query, name string) bool {
	found := q.SortBy != nil && strings.EqualFold(q.SortBy.Name, name)
	filter.Walk(q.Filter, func(e filter.Expr) bool {
		switch e := e.(type) {
		case *filter.Compare:
			found = found || strings.EqualFold(e.Path.Name, name)
		case *filter.ValuePath:
			found = found || strings.EqualFold(e.Path.Name, name)
			return false
		}
		return true
	})
	return found
}

// mentionsDocOnly reports whether the query's filter or sortBy names an
// attribute that a record's attributes lack and its document has: id,
// meta or schemas. Other filters and sorts read the attributes directly,
// which hold the same values under the same keys.
func mentionsDocOnly(q *scim.Query) bool {
	docOnly := func(p filter.AttrPath) bool {
		if p.Extension != "" {
			return false
		}
		name := p.Name
		if p.Attr != nil {
			name = p.Attr.Name
		}
		return strings.EqualFold(name, "id") || strings.EqualFold(name, "meta") || strings.EqualFold(name, "schemas")
	}
	found := q.SortBy != nil && docOnly(*q.SortBy)
	filter.Walk(q.Filter, func(e filter.Expr) bool {
		switch e := e.(type) {
		case *filter.Compare:
			found = found || docOnly(e.Path)
		case *filter.ValuePath:
			found = found || docOnly(e.Path)
			return false
		}
		return true
	})
	return found
}

// lookup returns the records an indexed "eq" comparison of the filter
// selects, in creation order, and whether the filter had one.
func (s *Store) lookup(e filter.Expr) ([]*record, bool) {
	switch e := e.(type) {
	case *filter.Compare:
		v, ok := e.Value.(string)
		if e.Op != filter.Eq || !ok || e.Path.Attr == nil || e.Path.Extension != "" || e.Path.Target.Sub != nil {
			return nil, false
		}
		if e.Path.Attr.Name == "id" {
			if rec, ok := s.byID[v]; ok {
				return []*record{rec}, true
			}
			return nil, true
		}
		ix, ok := s.indexes[e.Path.Attr.Name]
		if !ok || ix.attr.CaseExact != e.Path.Attr.CaseExact {
			return nil, false
		}
		recs := ix.records(ix.key(v))
		if len(recs) > 1 {
			sort.Slice(recs, func(i, j int) bool { return recs[i].seq < recs[j].seq })
		}
		return recs, true
	case *filter.Logical:
		left, lok := s.lookup(e.Left)
		if e.Op == filter.And {
			if lok {
				return left, true
			}
			return s.lookup(e.Right)
		}
		right, rok := s.lookup(e.Right)
		if !lok || !rok {
			return nil, false
		}
		return union(left, right), true
	}
	return nil, false
}

func union(a, b []*record) []*record {
	seen := make(map[*record]bool, len(a)+len(b))
	var out []*record
	for _, r := range append(append([]*record{}, a...), b...) {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// current returns the live record with the given id, checking ifVersion.
func (s *Store) current(id, ifVersion string) (*record, error) {
	rec, ok := s.byID[id]
	if !ok {
		return nil, notFound(s.rt, id)
	}
	if ifVersion != "" && ifVersion != versionTag(rec.version) {
		return nil, fmt.Errorf("%w: %s %s is at version %s, not %s", scim.ErrPreconditionFailed, s.rt.Name, id, versionTag(rec.version), ifVersion)
	}
	return rec, nil
}

// write replaces a record's attributes (and members when setMembers),
// checking uniqueness first so that a conflict changes nothing.
func (s *Store) write(rec *record, attrs map[string]any, members []map[string]any, setMembers bool) error {
	if err := s.checkUnique(attrs, rec); err != nil {
		return err
	}
	s.reindex(rec, attrs)
	s.renamed(rec, rec.attrs, attrs)
	rec.attrs = attrs
	if setMembers && rec.members != nil {
		for _, m := range rec.members.values() {
			s.removeMember(rec, m["value"].(string))
		}
		for _, m := range members {
			s.addMember(rec, m)
		}
	}
	s.keepGroups(rec)
	s.touch(rec)
	return nil
}

// keepGroups puts rec's computed groups into rec.attrs, a map of the
// store's own that was just written and that nothing shares yet, so that
// the record's snapshot can be that map instead of a copy of it with the
// groups added. The caller holds the write lock.
func (s *Store) keepGroups(rec *record) {
	if !s.hasGroups {
		return
	}
	if groups := s.groupsOf(rec); len(groups) > 0 {
		rec.attrs["groups"] = groups
	} else {
		delete(rec.attrs, "groups")
	}
}

// touch records a write: a new version and lastModified.
func (s *Store) touch(rec *record) {
	rec.snap.Store(nil)
	rec.version++
	rec.lastModified = max(s.db.now().UnixNano(), rec.created)
}

// document returns the record's document (without members and groups),
// for the filters and sorts that name id, meta or schemas.
func (s *Store) document(rec *record) map[string]any {
	return scim.Document(s.rt, &scim.Resource{ID: rec.id, Attributes: rec.attrs, Meta: s.meta(rec)})
}

func (s *Store) meta(rec *record) scim.Meta {
	return scim.Meta{ResourceType: s.rt.Name, Created: time.Unix(0, rec.created).UTC(),
		LastModified: time.Unix(0, rec.lastModified).UTC(), Version: versionTag(rec.version)}
}

// snapshot returns a copy of the record that the caller may change.
func (s *Store) snapshot(rec *record, withMembers, withGroups bool) *scim.Resource {
	attrs := deepCopy(rec.attrs).(map[string]any)
	if s.hasGroups {
		delete(attrs, "groups") // as of the last write: maybe stale
	}
	if withMembers && rec.members != nil && rec.members.len() > 0 {
		values := rec.members.values()
		list := make([]any, len(values))
		for i, m := range values {
			list[i] = deepCopy(m)
		}
		attrs["members"] = list
	}
	if withGroups {
		if groups := s.groupsOf(rec); len(groups) > 0 {
			attrs["groups"] = deepCopy(groups)
		}
	}
	return &scim.Resource{ID: rec.id, Attributes: attrs, Meta: s.meta(rec)}
}

// split copies the attributes a client sent, separating the members (kept
// as a set) and dropping the computed groups.
func (s *Store) split(in map[string]any) (map[string]any, []map[string]any) {
	attrs, _ := deepCopy(in).(map[string]any)
	return s.separate(attrs)
}

// separate takes attrs over, without copying it, separating the members
// (kept as a set) and dropping the computed groups.
func (s *Store) separate(attrs map[string]any) (map[string]any, []map[string]any) {
	if attrs == nil {
		attrs = map[string]any{}
	}
	if s.hasGroups {
		delete(attrs, "groups")
	}
	if !s.hasMembers {
		return attrs, nil
	}
	list, _ := attrs["members"].([]any)
	delete(attrs, "members")
	members := make([]map[string]any, 0, len(list))
	for _, m := range list {
		if obj, ok := m.(map[string]any); ok {
			if _, ok := obj["value"].(string); ok {
				members = append(members, obj)
			}
		}
	}
	return attrs, members
}

// checkUnique refuses attributes whose unique values another record holds.
// self is the record the attributes are for, nil for a new one; a value
// self already holds is not looked up again.
func (s *Store) checkUnique(attrs map[string]any, self *record) error {
	for name, ix := range s.indexes {
		if !ix.unique {
			continue
		}
		v, ok := attrs[name].(string)
		if !ok {
			continue
		}
		if self != nil {
			if was, ok := self.attrs[name].(string); ok && was == v {
				continue
			}
		}
		if ix.heldByOther(ix.key(v), self) {
			return fmt.Errorf("%w: %s %q is already taken", scim.ErrConflict, name, v)
		}
	}
	return nil
}

func (s *Store) indexAdd(rec *record) {
	for name, ix := range s.indexes {
		if v, ok := rec.attrs[name].(string); ok {
			ix.add(ix.key(v), rec)
		}
	}
}

// reindex moves the record's index entries from its attributes to attrs,
// touching only the indexes whose value changes.
func (s *Store) reindex(rec *record, attrs map[string]any) {
	for name, ix := range s.indexes {
		was, hadOld := rec.attrs[name].(string)
		is, hasNew := attrs[name].(string)
		if hadOld == hasNew && was == is {
			continue
		}
		if hadOld {
			ix.remove(ix.key(was), rec)
		}
		if hasNew {
			ix.add(ix.key(is), rec)
		}
	}
}

func (s *Store) indexRemove(rec *record) {
	for name, ix := range s.indexes {
		if v, ok := rec.attrs[name].(string); ok {
			ix.remove(ix.key(v), rec)
		}
	}
}

// compact drops deleted records from the creation order once they are
// half of it, so that deletes stay O(1) amortised.
func (s *Store) compact() {
	if s.deleted < 64 || s.deleted*2 < len(s.order) {
		return
	}
	live := s.order[:0]
	for _, rec := range s.order {
		if !rec.deleted {
			live = append(live, rec)
		}
	}
	clear(s.order[len(live):])
	s.order = live
	s.deleted = 0
}

func (s *Store) addMember(rec *record, m map[string]any) bool {
	id := m["value"].(string)
	if !rec.members.add(id, m) {
		return false
	}
	s.db.link(id, rec.id)
	return true
}

func (s *Store) removeMember(rec *record, id string) bool {
	if !rec.members.remove(id) {
		return false
	}
	s.db.unlink(id, rec.id)
	return true
}

func (db *DB) link(member, group string) {
	db.invalidate(member)
	m := db.groupsOf[member]
	if m == nil {
		m = &membership{ids: map[string]struct{}{}}
		db.groupsOf[member] = m
	}
	m.ids[group] = struct{}{}
}

func (db *DB) unlink(member, group string) {
	db.invalidate(member)
	m := db.groupsOf[member]
	if m == nil {
		return
	}
	delete(m.ids, group)
	if len(m.ids) == 0 {
		delete(db.groupsOf, member)
	}
}

// invalidate drops the snapshot and the computed groups of the resource
// with the given id, whose groups changed. The caller holds the write lock.
func (db *DB) invalidate(id string) {
	if m := db.groupsOf[id]; m != nil {
		m.list.Store(nil)
	}
	for _, s := range db.stores {
		if rec, ok := s.byID[id]; ok {
			rec.snap.Store(nil)
			return
		}
	}
}

// renamed drops the snapshots of a group's members, and the entry they
// share for it, when its displayName, which their computed groups show,
// changes from before to after. The caller holds the write lock.
func (s *Store) renamed(rec *record, before, after map[string]any) {
	was, _ := before["displayName"].(string)
	is, _ := after["displayName"].(string)
	if s != s.db.groups || rec.members == nil || was == is {
		return
	}
	rec.members.entry.Store(nil)
	for id := range rec.members.index {
		s.db.invalidate(id)
	}
}

// shared returns the record's snapshot, building it when there is none:
// the record's attributes (never modified in place, so shared), with its
// members and computed groups when it has any. The caller holds the lock.
func (s *Store) shared(rec *record) *scim.Snapshot { return s.sharedAfter(rec, nil) }

// sharedAfter is shared for a record whose snapshot before its last write
// was prev (nil when unknown): a new snapshot reuses prev's encoding. The
// snapshot shares rec.attrs itself unless the record has members, or its
// groups changed since its last write (keepGroups).
func (s *Store) sharedAfter(rec *record, prev *scim.Snapshot) *scim.Snapshot {
	if snap := rec.snap.Load(); snap != nil {
		return snap
	}
	attrs := rec.attrs
	var members, groups []any
	if s.hasMembers && rec.members != nil && rec.members.len() > 0 {
		values := rec.members.values()
		members = make([]any, len(values))
		for i, m := range values {
			members[i] = m
		}
	}
	staleGroups := false
	if s.hasGroups {
		groups = s.groupsOf(rec)
		kept, _ := attrs["groups"].([]any)
		staleGroups = len(kept) != len(groups) || (len(groups) > 0 && &kept[0] != &groups[0])
	}
	if len(members) > 0 || staleGroups {
		attrs = maps.Clone(attrs)
		if len(members) > 0 {
			attrs["members"] = members
		}
		if len(groups) > 0 {
			attrs["groups"] = groups
		} else if staleGroups {
			delete(attrs, "groups")
		}
	}
	snap := scim.NewSnapshotAfter(prev, &scim.Resource{ID: rec.id, Attributes: attrs, Meta: s.meta(rec)})
	rec.snap.Store(snap)
	return snap
}

// removeFromGroups removes a deleted resource from the groups listing it;
// each such group gets a new version. It returns those groups as stored,
// without their members.
func (db *DB) removeFromGroups(id string) []*scim.Resource {
	if db.groups == nil {
		return nil
	}
	var changed []*scim.Resource
	var ids map[string]struct{}
	if m := db.groupsOf[id]; m != nil {
		ids = m.ids
	}
	for gid := range ids {
		if g, ok := db.groups.byID[gid]; ok && g.members.remove(id) {
			db.groups.touch(g)
			changed = append(changed, db.groups.snapshot(g, false, false))
		}
	}
	delete(db.groupsOf, id)
	return changed
}

// checkMembers refuses member ids that name no resource of the DB. The
// caller holds the lock, so that a delete cannot come between the check
// and the write.
func (db *DB) checkMembers(ids []string) error {
	for _, id := range ids {
		if id == "" {
			return scim.NewError(http.StatusBadRequest, "invalidValue", "a member's \"value\" must be the id of a resource")
		}
		if !db.exists(id) {
			return scim.NewError(http.StatusBadRequest, "invalidValue", fmt.Sprintf("the member %q names no resource", id))
		}
	}
	return nil
}

// exists reports whether a store of the DB holds a resource with the id.
func (db *DB) exists(id string) bool {
	for _, s := range db.stores {
		if _, ok := s.byID[id]; ok {
			return true
		}
	}
	return false
}

// memberIDs returns the ids of member objects.
func memberIDs(members []map[string]any) []string {
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i], _ = m["value"].(string)
	}
	return ids
}

// groupsOf returns the computed "groups" attribute of rec, from its cache
// when it has one. The list and its objects are shared: never modify them.
// The caller holds the lock (a read lock will do).
func (s *Store) groupsOf(rec *record) []any {
	m := s.db.groupsOf[rec.id]
	if m == nil || s.db.groups == nil {
		return nil
	}
	if groups := m.list.Load(); groups != nil {
		return *groups
	}
	groups := s.db.groupsList(m)
	m.list.Store(&groups)
	return groups
}

// groupsList returns the computed "groups" attribute of a member, ordered
// by group name.
func (db *DB) groupsList(m *membership) []any {
	out := make([]any, 0, len(m.ids))
	for gid := range m.ids {
		g, ok := db.groups.byID[gid]
		if !ok {
			continue
		}
		out = append(out, g.groupEntry())
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].(map[string]any), out[j].(map[string]any)
		if a["display"] != b["display"] {
			x, _ := a["display"].(string)
			y, _ := b["display"].(string)
			return x < y
		}
		return a["value"].(string) < b["value"].(string)
	})
	return out
}

// groupEntry returns what a member's computed groups show for the group
// rec: built once and shared by every member, so that a member's groups
// cost a list of pointers. The caller holds the lock (a read lock will do).
func (rec *record) groupEntry() map[string]any {
	if entry := rec.members.entry.Load(); entry != nil {
		return *entry
	}
	entry := map[string]any{"value": rec.id, "type": "direct"}
	if name, ok := rec.attrs["displayName"].(string); ok {
		entry["display"] = name
	}
	rec.members.entry.Store(&entry)
	return entry
}

// memberSet is an insertion-ordered set of member objects keyed by id with
// O(1) add and remove; removed slots are compacted once they are half.
type memberSet struct {
	index   map[string]int
	list    []map[string]any
	removed int
	// entry is the object the computed groups of the group's members
	// show for it, shared by all of them (groupEntry); built by the first
	// snapshot of a member that wants it and dropped when the group's
	// displayName changes (renamed).
	entry atomic.Pointer[map[string]any]
}

func newMemberSet() *memberSet { return &memberSet{index: map[string]int{}} }

func (ms *memberSet) len() int { return len(ms.index) }

func (ms *memberSet) add(id string, m map[string]any) bool {
	if _, ok := ms.index[id]; ok {
		return false
	}
	ms.index[id] = len(ms.list)
	ms.list = append(ms.list, m)
	return true
}

func (ms *memberSet) remove(id string) bool {
	i, ok := ms.index[id]
	if !ok {
		return false
	}
	delete(ms.index, id)
	ms.list[i] = nil
	ms.removed++
	if ms.removed > 32 && ms.removed*2 > len(ms.list) {
		live := make([]map[string]any, 0, len(ms.index))
		for _, m := range ms.list {
			if m != nil {
				ms.index[m["value"].(string)] = len(live)
				live = append(live, m)
			}
		}
		ms.list, ms.removed = live, 0
	}
	return true
}

func (ms *memberSet) values() []map[string]any {
	out := make([]map[string]any, 0, len(ms.index))
	for _, m := range ms.list {
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

func notFound(rt *schema.ResourceType, id string) error {
	return fmt.Errorf("%w: no %s with id %q", scim.ErrNotFound, rt.Name, id)
}

func versionTag(v int64) string { return `W/"` + strconv.FormatInt(v, 10) + `"` }

// newID returns a random UUID (version 4).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// deepCopy copies the JSON object model.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
