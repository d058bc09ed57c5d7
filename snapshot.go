package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/url"
	"reflect"
	"slices"
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
// doc[split:].
//
// It also keeps where each member is, for the encoding of the next
// version (NewSnapshotAfter): res is the resource encoded, keys the
// members of doc in order, and doc[spans[2i]:spans[2i+1]] the value of
// keys[i]. keys is nil when doc is too large for int32 offsets.
type encodedResource struct {
	e     *endpoint
	doc   []byte
	split int
	res   *Resource
	keys  []string
	spans []int32
}

// member returns the JSON of the member key, if doc has one.
func (enc *encodedResource) member(key string) (raw []byte, i int, ok bool) {
	i, ok = slices.BinarySearch(enc.keys, key)
	if !ok {
		return nil, 0, false
	}
	return enc.doc[enc.spans[2*i]:enc.spans[2*i+1]], i, true
}

// find returns the JSON of value under key if enc encoded that very
// object or list there.
func (enc *encodedResource) find(key string, value any) ([]byte, bool) {
	if key == "id" || enc.keys == nil {
		return nil, false // doc's id is the resource's, not this attribute
	}
	if was, ok := enc.res.Attributes[key]; !ok || !sameValue(was, value) {
		return nil, false
	}
	raw, _, ok := enc.member(key)
	return raw, ok
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
	suffix := e.rt.Endpoint + "/" + url.PathEscape(snap.res.ID)
	prev := snap.prev.Load()
	if prev != nil && prev.e != e {
		prev = nil
	}
	if prev != nil {
		if enc, ok := splice(e, snap.res, prev, suffix); ok {
			return enc, true
		}
	}
	split := -1
	layout := layoutRecorder{prev: prev}
	bp := jsonenc.GetBuffer()
	defer jsonenc.PutBuffer(bp)
	out, err := appendDefault((*bp)[:0], e, snap.res, locationAfter(suffix, &split), &layout)
	if err != nil || split < 0 {
		return nil, false
	}
	*bp = out
	enc := &encodedResource{e: e, doc: bytes.Clone(out), split: split, res: snap.res}
	if len(out) <= math.MaxInt32 {
		keys, spans := layout.recorded()
		enc.keys, enc.spans = e.internKeys(keys), slices.Clone(spans)
	}
	return enc, true
}

// locationAfter returns the jsonenc.Func that writes meta.location with
// its base URL left out, noting in *split where the base URL goes.
func locationAfter(suffix string, split *int) jsonenc.Func {
	return func(buf []byte) []byte {
		buf = append(buf, '"')
		*split = len(buf)
		buf = jsonenc.AppendEscaped(buf, suffix)
		return append(buf, '"')
	}
}

// internKeys returns keys, or an equal list the endpoint already holds:
// resources of one type mostly have the same members, and the encodings
// of all of them can share one list.
func (e *endpoint) internKeys(keys []string) []string {
	if held := e.memberKeys.Load(); held != nil && slices.Equal(*held, keys) {
		return *held
	}
	own := slices.Clone(keys)
	e.memberKeys.Store(&own)
	return own
}

// maxSpliced bounds the members splice encodes anew; a version that
// changed more is encoded from the start.
const maxSpliced = 4

// splice encodes res from prev, the encoding of the version before it,
// when the two have the same id and attribute keys and differ in the
// values of at most maxSpliced keys whose JSON prev holds: it copies
// prev's JSON and encodes anew only those values and meta. Values are
// compared by identity for objects and lists (as NewSnapshotAfter allows)
// and by value for the rest. The outcome is byte for byte what encoding
// res from the start gives: the members and their order are the same,
// and each member's JSON depends on its value alone. ok is false when
// res differs from prev in another way.
func splice(e *endpoint, res *Resource, prev *encodedResource, suffix string) (*encodedResource, bool) {
	if prev.keys == nil || res.ID == "" || res.ID != prev.res.ID || len(res.Attributes) != len(prev.res.Attributes) {
		return nil, false
	}
	_, meta, ok := prev.member("meta")
	if !ok {
		return nil, false
	}
	var changedArray [maxSpliced + 1]int
	changed := append(changedArray[:0], meta)
	for k, v := range res.Attributes {
		was, ok := prev.res.Attributes[k]
		if !ok {
			return nil, false
		}
		if identical(was, v) {
			continue
		}
		if k == "id" || k == "meta" || k == "schemas" || len(changed) == cap(changed) {
			return nil, false
		}
		_, i, ok := prev.member(k)
		if !ok {
			return nil, false // not shown before: it may be now
		}
		changed = append(changed, i)
	}
	slices.Sort(changed)
	split := -1
	doc := make([]byte, 0, len(prev.doc)+32)
	spans := make([]int32, len(prev.spans))
	last, shift := 0, 0
	for i, k := range prev.keys {
		start, end := int(prev.spans[2*i]), int(prev.spans[2*i+1])
		if len(changed) == 0 || changed[0] != i {
			spans[2*i], spans[2*i+1] = int32(start+shift), int32(end+shift)
			continue
		}
		changed = changed[1:]
		doc = append(doc, prev.doc[last:start]...)
		valueStart := len(doc)
		if k == "meta" {
			doc = appendMeta(doc, e, &res.Meta, locationAfter(suffix, &split))
		} else {
			var shown bool
			var err error
			if doc, shown, err = appendShown(doc, e, k, res.Attributes[k]); err != nil || !shown {
				return nil, false
			}
		}
		if len(doc)+len(prev.doc)-end > math.MaxInt32 {
			return nil, false
		}
		spans[2*i], spans[2*i+1] = int32(valueStart), int32(len(doc))
		last, shift = end, len(doc)-end
	}
	doc = append(doc, prev.doc[last:]...)
	return &encodedResource{e: e, doc: doc, split: split, res: res, keys: prev.keys, spans: spans}, true
}

// identical reports whether a and b encode alike because they are the
// same: the same object or list (sameValue), or equal scalars of the same
// type; a float is compared by its bits, since 0 and -0 are equal but
// encode differently.
func identical(a, b any) bool {
	switch a := a.(type) {
	case map[string]any, []any:
		return sameValue(a, b)
	case float64:
		b, ok := b.(float64)
		return ok && math.Float64bits(a) == math.Float64bits(b)
	case string:
		return equalAs(a, b)
	case bool:
		return equalAs(a, b)
	case int64:
		return equalAs(a, b)
	case int:
		return equalAs(a, b)
	case json.Number:
		return equalAs(a, b)
	case nil:
		return b == nil
	}
	return false
}

// equalAs reports whether b is a T equal to a.
func equalAs[T comparable](a T, b any) bool {
	v, ok := b.(T)
	return ok && v == a
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
