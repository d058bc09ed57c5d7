package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/scimkit/scim"
)

// Snapshots: Store implements scim.SnapshotReader over a bounded cache of
// the snapshots it built (snapCache, one per DB), so that a resource read
// again at the same version is neither decoded by the store nor rendered
// and encoded again by the server, which keeps each snapshot's JSON
// beside it.
//
// Every read still runs its one query: several processes may share the
// database, and a write through another one is never heard of here. The
// row the query returns decides whether the cached snapshot still shows
// it (snapEntry.fits):
//
//   - the resource's version covers its stored document and, for a
//     Group, its members: every write of a resource bumps its version,
//     and so does every change of a group's members (Replace, Patch,
//     and Delete of a member, which bumps each group it was in, in the
//     same transaction). A Group read at the version of a cached
//     snapshot is therefore served without loading its members.
//   - a User's groups are computed from the members table and the groups'
//     display names: renaming a group or changing its members does not
//     bump the users' versions, so the raw groupsColumn the query reads
//     beside the row is compared with the one the snapshot was built
//     from.
//   - the row's seq tells a resource deleted and created again under the
//     same id from the one cached.
//
// A snapshot built from a read that raced a write may show something
// newer than its version says (a group's members are loaded by a second
// query), never something older; since the version moved on, no later
// read uses it.

// GetSnapshot returns the resource with the given id as Get returns it
// with the zero projection, sharing the snapshot of an earlier read when
// the resource has not changed since. It reads a user with its groups in
// one query.
func (s *Store) GetSnapshot(ctx context.Context, id string) (*scim.Snapshot, error) {
	if strings.IndexByte(id, 0) < 0 { // no stored id holds NUL
		t := s.translator()
		query := "SELECT " + columns
		if s.snapGroups {
			query += ", " + s.groupsColumn(t)
		}
		query, args := t.finish(query + " FROM " + s.db.resources + " r WHERE r.dir = " + t.key(s.dir) +
			" AND r.type = " + t.key(s.rt.Name) + " AND r.id = " + t.key(id))
		rows, err := s.db.queryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: reading %s %s: %w", s.rt.Name, id, err)
		}
		found, err := s.collect(rows, s.snapGroups)
		if err != nil {
			return nil, err
		}
		if len(found) > 0 {
			return s.snapshot(ctx, found[0])
		}
	}
	return nil, fmt.Errorf("%w: no %s with id %q", scim.ErrNotFound, s.rt.Name, id)
}

// ListSnapshots returns the page of resources q selects and the number of
// matches as List does with the zero projection, sharing the snapshots of
// earlier reads of the resources that have not changed since.
func (s *Store) ListSnapshots(ctx context.Context, q *scim.Query) ([]*scim.Snapshot, int, error) {
	if !q.Projection.IsZero() {
		// Not what the server asks for; answered all the same, uncached.
		page, err := s.List(ctx, q)
		if err != nil {
			return nil, 0, err
		}
		out := make([]*scim.Snapshot, len(page.Resources))
		for i, res := range page.Resources {
			out[i] = scim.NewSnapshot(res)
		}
		return out, page.TotalResults, nil
	}
	found, total, err := s.find(ctx, q, s.snapGroups)
	if err != nil || len(found) == 0 {
		return nil, total, err
	}
	out := make([]*scim.Snapshot, len(found))
	for i, r := range found {
		if out[i], err = s.snapshot(ctx, r); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// snapshot returns the snapshot of r, a row read undecoded with its
// groupsColumn when s.snapGroups: the cached one when it fits r, else a
// new one, decoded from r and with its members loaded, which it caches.
func (s *Store) snapshot(ctx context.Context, r *row) (*scim.Snapshot, error) {
	cache := s.db.snaps
	if s.snapMembers && s.rt.Name != s.db.groups.rt.Name {
		// Delete bumps the version of the Groups it removes a member
		// from, and only theirs: the version of another type that keeps
		// members does not say that they are unchanged.
		cache = nil
	}
	if s.snapGroups && !r.groupsLoaded {
		cache = nil // not read by this package's queries
	}
	key := snapKey{dir: s.dir, typ: s.rt.Name, id: r.id}
	if e := cache.get(key); e != nil && e.fits(s, r) {
		return e.snap, nil
	}
	if err := s.decode(r); err != nil {
		return nil, err
	}
	// r's attributes were decoded for this snapshot alone: resource adds
	// the members and groups to them, and from here on nothing changes
	// them.
	res, err := s.resource(ctx, s.db.db, r, s.snapMembers, s.snapGroups)
	if err != nil {
		return nil, err
	}
	snap := scim.NewSnapshot(res)
	cache.put(&snapEntry{key: key, seq: r.seq, version: r.version, members: s.snapMembers, groups: s.snapGroups,
		groupsRaw: r.groups, snap: snap})
	return snap, nil
}
