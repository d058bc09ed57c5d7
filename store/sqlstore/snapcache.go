package sqlstore

import (
	"bytes"
	"container/list"
	"sync"

	"github.com/scimkit/scim"
)

// DefaultSnapshotCacheSize is the number of snapshots a DB keeps when
// Options.SnapshotCacheSize is 0.
const DefaultSnapshotCacheSize = 10000

// snapKey names the resource a cached snapshot shows. The directory is
// part of it, so that two directories never share an entry even where
// their resources' ids are the same.
type snapKey struct {
	dir, typ, id string
}

// snapEntry is a cached snapshot with what it was built from: the row's
// seq (a new row under the same id has a new one: neither database reuses
// them), its version, what the snapshot holds beside the stored document
// and, for a user, the raw groupsColumn its computed groups were decoded
// from. Its fields never change once it is in the cache, so a reader may
// use an entry that get returned without holding the lock.
type snapEntry struct {
	key          snapKey
	seq, version int64
	// members and groups say whether the snapshot holds the members and
	// the computed groups: what the store's resource type shows with the
	// zero projection, which differs between two stores made with
	// DB.Store for types of the same name.
	members, groups bool
	groupsRaw       []byte
	snap            *scim.Snapshot
}

// fits reports whether e still shows the row r that a read just got from
// the database, read with s: the same row (seq) at the same version, with
// the same computed groups, by a store showing the same attributes. A
// write to the resource, or a change of its members, bumps its version
// (see Store.snapshot); a group rename or a membership change does not
// bump a member's, so a user's groups are compared byte for byte.
func (e *snapEntry) fits(s *Store, r *row) bool {
	return e.seq == r.seq && e.version == r.version && e.members == s.snapMembers && e.groups == s.snapGroups &&
		(!e.groups || r.groupsLoaded && bytes.Equal(e.groupsRaw, r.groups))
}

// snapCache is a bounded cache of snapshots, shared by every store of a
// DB and safe for concurrent use. When it is full, adding an entry evicts
// the least recently used one, in constant time: the entries are in a
// list ordered by use, most recent first.
//
// The cache only saves decoding and encoding: a read still queries the
// database and uses an entry only when it fits the row read (see
// snapEntry.fits), so that writes through other processes sharing the
// database, which this cache never hears of, are never hidden.
type snapCache struct {
	mu      sync.Mutex
	max     int
	entries map[snapKey]*list.Element // of *snapEntry
	byUse   *list.List
}

// newSnapCache returns a cache of at most max entries, or nil when max is
// not positive: a nil *snapCache holds nothing and keeps nothing.
func newSnapCache(max int) *snapCache {
	if max <= 0 {
		return nil
	}
	return &snapCache{max: max, entries: make(map[snapKey]*list.Element, min(max, 1024)), byUse: list.New()}
}

// get returns the entry of key, or nil, marking it used.
func (c *snapCache) get(key snapKey) *snapEntry {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.entries[key]
	if el == nil {
		return nil
	}
	c.byUse.MoveToFront(el)
	return el.Value.(*snapEntry)
}

// put adds e, in place of the entry of the same key, evicting the least
// recently used entry when the cache is full. An entry of the same row at
// a later version stays: a read that raced a write may come back after a
// later read did, with what is already out of date.
func (c *snapCache) put(e *snapEntry) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.entries[e.key]; el != nil {
		if old := el.Value.(*snapEntry); old.seq == e.seq && old.version > e.version {
			return
		}
		c.byUse.Remove(el)
	}
	c.entries[e.key] = c.byUse.PushFront(e)
	if len(c.entries) > c.max {
		last := c.byUse.Back()
		c.byUse.Remove(last)
		delete(c.entries, last.Value.(*snapEntry).key)
	}
}

// remove drops the entry of key, if any.
func (c *snapCache) remove(key snapKey) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.entries[key]; el != nil {
		c.byUse.Remove(el)
		delete(c.entries, key)
	}
}

// len returns the number of entries.
func (c *snapCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
