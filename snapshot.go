package scim

import (
	"bytes"
	"context"
	"net/url"
	"reflect"
	"strconv"
	"sync/atomic"

	"github.com/scimkit/scim/internal/jsonenc"
)

// Snapshot is a stored resource that a store shares with the server
// instead of copying it for every read. It is immutable: neither the store
// nor the server modifies the Resource it holds or any value within it,
// and a write to the resource makes the store hand out a new Snapshot.
// The server keeps the snapshot's encoded JSON beside it, so a resource
// that is read many times between two writes is rendered and encoded once.
type Snapshot struct {
	res *Resource
	enc atomic.Pointer[encodedResource]
	// prev is the encoding of the version this one follows
	// (NewSnapshotAfter), until this one is encoded.
	prev atomic.Pointer[encodedResource]
}

// NewSnapshot returns a Snapshot of r. From this call on, r and everything
// it holds must not be modified by anyone.
func NewSnapshot(r *Resource) *Snapshot { return &Snapshot{res: r} }

// NewSnapshotAfter returns a Snapshot of r, a later version of the
// resource that prev holds; prev may be nil. A write that changes a few
// attributes and leaves the others' values in place (as patch.Apply
// does: its outcome shares every value it did not touch) makes a new
// version whose encoding reuses prev's for every object and list the two
// share, so that replacing "active" does not encode the user's name,
// emails and extension again. As with NewSnapshot, r and everything it
// holds must not be modified by anyone from this call on.
func NewSnapshotAfter(prev *Snapshot, r *Resource) *Snapshot {
	s := &Snapshot{res: r}
	if prev != nil {
		if enc := prev.enc.Load(); enc != nil {
			s.prev.Store(enc)
		}
	}
	return s
}

// Resource returns the resource the snapshot holds. It is shared: the
// caller must not modify it or anything it holds.
func (s *Snapshot) Resource() *Resource { return s.res }

// SnapshotReader is an optional ResourceStore capability: reads that share
// the stored resource (as an immutable Snapshot) instead of copying it.
// The server uses it for the reads whose client asked for the default set
// of attributes (no attributes or excludedAttributes parameter), which are
// the hot path of every sync cycle; without it, or for other reads, the
// server calls Get and List, whose resources are copies.
//
// The resources of a snapshot are exactly what Get or List would return
// with the zero projection (members and groups included).
type SnapshotReader interface {
	// GetSnapshot returns the resource with the given id, as Get does
	// with the zero projection, or ErrNotFound.
	GetSnapshot(ctx context.Context, id string) (*Snapshot, error)
	// ListSnapshots returns the page of resources q selects and the total
	// number of matches, as List does; q.Projection is the zero
	// projection.
	ListSnapshots(ctx context.Context, q *Query) (resources []*Snapshot, total int, err error)
}

// encodedResource is a resource's JSON as one endpoint of a Server renders
// it with the zero projection, split where meta.location's base URL goes,
// since the base URL may differ between requests: the document is
// doc[:split], the base URL escaped as JSON string content, then
// doc[split:]. parts locate the JSON of the resource's objects and lists,
// for the encoding of the next version (NewSnapshotAfter).
type encodedResource struct {
	e     *endpoint
	doc   []byte
	split int
	parts []encodedPart
}

// encodedPart is where the JSON of a top-level object or list value is in
// an encodedResource's doc.
type encodedPart struct {
	key        string
	value      any
	start, end int
}

// find returns the JSON of value under key if enc encoded that very
// value.
func (enc *encodedResource) find(key string, value any) ([]byte, bool) {
	for _, p := range enc.parts {
		if p.key == key && sameValue(p.value, value) {
			return enc.doc[p.start:p.end], true
		}
	}
	return nil, false
}

// sameValue reports whether a and b are the same object or list, not
// merely equal ones. Snapshots are immutable, so the same one has the same
// content.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		return ok && len(a) == len(b) && reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
	case []any:
		b, ok := b.([]any)
		return ok && len(a) > 0 && len(a) == len(b) && &a[0] == &b[0]
	}
	return false
}

// appendSnapshot appends the JSON of snap as e renders it under base with
// the zero projection, encoding it on the first call only. ok is false
// when the resource holds a value JSON cannot hold.
func (s *Server) appendSnapshot(buf []byte, base string, e *endpoint, snap *Snapshot) ([]byte, bool) {
	enc := snap.enc.Load()
	if enc == nil || enc.e != e {
		var ok bool
		if enc, ok = s.encodeSnapshot(e, snap); !ok {
			return buf, false
		}
		snap.enc.Store(enc)
		snap.prev.Store(nil)
	}
	buf = append(buf, enc.doc[:enc.split]...)
	buf = jsonenc.AppendEscaped(buf, base)
	return append(buf, enc.doc[enc.split:]...), true
}

// encodeSnapshot encodes snap, marking where meta.location's base URL
// goes, and taking what it can from the encoding of the version before.
func (s *Server) encodeSnapshot(e *endpoint, snap *Snapshot) (*encodedResource, bool) {
	split := -1
	suffix := e.rt.Endpoint + "/" + url.PathEscape(snap.res.ID)
	var parts partsRecorder
	if prev := snap.prev.Load(); prev != nil && prev.e == e {
		parts.prev = prev
	}
	bp := jsonenc.GetBuffer()
	defer jsonenc.PutBuffer(bp)
	out, err := appendDefault((*bp)[:0], e, snap.res, func(buf []byte) []byte {
		buf = append(buf, '"')
		split = len(buf)
		buf = jsonenc.AppendEscaped(buf, suffix)
		return append(buf, '"')
	}, &parts)
	if err != nil || split < 0 {
		return nil, false
	}
	*bp = out
	return &encodedResource{e: e, doc: bytes.Clone(out), split: split, parts: parts.parts}, true
}

// snapshotList is a ListResponse of shared resources.
type snapshotList struct {
	resources                []*Snapshot
	total, startIndex, count int
}

// appendSnapshotList appends the ListResponse of l, byte for byte the
// document listResponse builds: its keys in the encoder's sorted order,
// each resource's JSON from its snapshot.
func (s *Server) appendSnapshotList(buf []byte, base string, e *endpoint, l *snapshotList) ([]byte, error) {
	buf = append(buf, `{"Resources":[`...)
	n := min(len(l.resources), l.count)
	for i, snap := range l.resources[:n] {
		if i > 0 {
			buf = append(buf, ',')
		}
		var ok bool
		if buf, ok = s.appendSnapshot(buf, base, e, snap); !ok {
			return nil, errUnencodable
		}
	}
	buf = append(buf, `],"itemsPerPage":`...)
	buf = strconv.AppendInt(buf, int64(n), 10)
	buf = append(buf, `,"schemas":["`+ListResponseURN+`"],"startIndex":`...)
	buf = strconv.AppendInt(buf, int64(l.startIndex), 10)
	buf = append(buf, `,"totalResults":`...)
	buf = strconv.AppendInt(buf, int64(l.total), 10)
	return append(buf, '}'), nil
}
