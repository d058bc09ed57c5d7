package scim

import (
	"context"
	"net/url"
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
}

// NewSnapshot returns a Snapshot of r. From this call on, r and everything
// it holds must not be modified by anyone.
func NewSnapshot(r *Resource) *Snapshot { return &Snapshot{res: r} }

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
// since the base URL may differ between requests: the document is head,
// the base URL escaped as JSON string content, then tail.
type encodedResource struct {
	e          *endpoint
	head, tail []byte
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
	}
	buf = append(buf, enc.head...)
	buf = jsonenc.AppendEscaped(buf, base)
	return append(buf, enc.tail...), true
}

// encodeSnapshot encodes snap, marking where meta.location's base URL
// goes.
func (s *Server) encodeSnapshot(e *endpoint, snap *Snapshot) (*encodedResource, bool) {
	split := -1
	suffix := e.rt.Endpoint + "/" + url.PathEscape(snap.res.ID)
	out, err := appendDefault(nil, e, snap.res, func(buf []byte) []byte {
		buf = append(buf, '"')
		split = len(buf)
		buf = jsonenc.AppendEscaped(buf, suffix)
		return append(buf, '"')
	})
	if err != nil || split < 0 {
		return nil, false
	}
	return &encodedResource{e: e, head: out[:split:split], tail: out[split:]}, true
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
