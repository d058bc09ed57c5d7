package scim

import (
	"context"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// Meta is the metadata of a resource (RFC 7643 §3.1). Stores set Created,
// LastModified and Version; the server sets ResourceType and Location.
type Meta struct {
	ResourceType string
	Created      time.Time
	LastModified time.Time
	Location     string
	// Version is the resource's entity tag as sent in the ETag header, for
	// example W/"3". It changes on every write.
	Version string
}

// Resource is one SCIM resource in canonical form (see package schema).
type Resource struct {
	// ID is assigned by the store on Create and never changes.
	ID string
	// Attributes holds every attribute except id, meta and schemas, keyed
	// and typed as the schema defines them; extension attributes live under
	// their schema URN key. externalId is an attribute like any other.
	Attributes map[string]any
	Meta       Meta
}

// ResourceStore persists the resources of one resource type. Implementations
// must be safe for concurrent use. They signal outcomes with the sentinel
// errors ErrNotFound, ErrConflict, ErrPreconditionFailed and
// ErrInvalidValue (wrapped or not) or with an *Error; any other error
// becomes a 500 with a generic message, and is logged.
//
// Optional capabilities are discovered by type assertion, as database/sql
// does with its drivers. Each has a fallback, used when a store does not
// implement it:
//
//   - Patcher: applies a PATCH natively. Without it, or when Patch returns
//     ErrSkip, the server reads the resource with Get, applies the
//     request with patch.Apply and writes it with Replace, retrying on a
//     concurrent change when the client sent no If-Match.
//   - CursorLister: cursor pagination (RFC 9865). It has no fallback:
//     without it on every resource type, /ServiceProviderConfig does not
//     advertise cursors and a request with a cursor is answered 400
//     invalidValue.
//   - SnapshotReader: reads with the default attributes that share the
//     stored resource instead of copying it, encoded once per version.
//     Without it, the server reads with Get and List.
//   - SnapshotWriter: writes that answer with the stored resource as a
//     snapshot, so that its JSON is encoded once for the response and the
//     reads after it. Without it, the server encodes what Create, Replace
//     and Patch return.
type ResourceStore interface {
	// Create stores a new resource, assigns its ID and Meta (Created,
	// LastModified, Version) and returns the stored resource. It returns
	// ErrConflict when a uniqueness constraint is violated.
	Create(ctx context.Context, r *Resource) (*Resource, error)
	// Get returns the resource with the given id or ErrNotFound. The
	// projection says what the client will see; a store may skip loading
	// attributes that will not be returned (such as a group's members).
	Get(ctx context.Context, id string, p schema.Projection) (*Resource, error)
	// Replace stores r in place of the resource with r.ID, keeping Created.
	// When ifVersion is not empty and differs from the stored version it
	// returns ErrPreconditionFailed and changes nothing.
	Replace(ctx context.Context, r *Resource, ifVersion string) (*Resource, error)
	// Delete removes the resource, with the same ifVersion rule as Replace.
	Delete(ctx context.Context, id string, ifVersion string) error
	// List returns the page of resources the query selects, with the
	// total number of matches.
	List(ctx context.Context, q *Query) (*Page, error)
}

// Patcher is an optional ResourceStore capability: a store that applies a
// PATCH request itself, atomically, for example to add one member to a large
// group without rewriting it. Without it, or when Patch returns ErrSkip, the
// server applies PATCH with Get, patch.Apply and Replace.
type Patcher interface {
	// Patch applies req to the resource with the given id, with the same
	// ifVersion rule as Replace, and returns the stored resource and what
	// changed. Errors from patch.Apply are returned as they are. The
	// projection says what the response will show, so that a store may
	// skip loading, for example, the members of a large group. A store
	// that cannot apply this request natively (a path it does not
	// translate, say) returns ErrSkip before changing anything, and the
	// server applies it with Get, patch.Apply and Replace. The server
	// only reads the resource Patch returns, so a store may return one it
	// shares rather than a copy.
	Patch(ctx context.Context, id string, req *patch.Request, ifVersion string, p schema.Projection) (*Resource, *patch.Result, error)
}

// SnapshotWriter is an optional ResourceStore capability: writes that
// answer with the stored resource shared as a Snapshot instead of a copy,
// and that take over the resource they are given instead of copying it.
// The server uses them when the client asked for the default set of
// attributes: the response is encoded once for the write and for every
// read after it, and a resource a PATCH left unchanged is not encoded
// again at all.
type SnapshotWriter interface {
	// CreateSnapshot does what Create does. r and everything it holds
	// belong to the store from the call on: the caller does not use them
	// again.
	CreateSnapshot(ctx context.Context, r *Resource) (*Snapshot, error)
	// ReplaceSnapshot does what Replace does, and takes r over as
	// CreateSnapshot does.
	ReplaceSnapshot(ctx context.Context, r *Resource, ifVersion string) (*Snapshot, error)
	// PatchSnapshot does what Patcher.Patch does with the zero
	// projection, including answering ErrSkip.
	PatchSnapshot(ctx context.Context, id string, req *patch.Request, ifVersion string) (*Snapshot, *patch.Result, error)
}

// Query is a List request.
type Query struct {
	// Filter selects resources; nil selects all.
	Filter filter.Expr
	// SortBy orders the results when not nil.
	SortBy *filter.AttrPath
	// Descending reverses the sort order.
	Descending bool
	// StartIndex is the 1-based index of the first result (RFC 7644
	// §3.4.2.4); values below 1 mean 1.
	StartIndex int
	// Count is the maximum number of resources to return; 0 returns none
	// (only TotalResults). The server always sets it.
	Count int
	// Projection says what the client will see.
	Projection schema.Projection
}

// Page is the result of a List.
type Page struct {
	Resources    []*Resource
	TotalResults int
}

// Document returns r as the full JSON object of RFC 7643: schemas (the core
// schema and every extension r has attributes for), id, the attributes and
// meta, with dateTimes in RFC 3339 form. The attribute values are shared
// with r, not copied. Empty meta fields are left out.
func Document(rt *schema.ResourceType, r *Resource) map[string]any {
	doc := make(map[string]any, len(r.Attributes)+3)
	for k, v := range r.Attributes {
		doc[k] = v
	}
	schemas := make([]any, 1, 1+len(rt.Extensions))
	schemas[0] = rt.Schema.ID
	for _, ext := range rt.Extensions {
		if _, ok := r.Attributes[ext.Schema.ID]; ok {
			schemas = append(schemas, ext.Schema.ID)
		}
	}
	doc["schemas"] = schemas
	if r.ID != "" {
		doc["id"] = r.ID
	}
	meta := make(map[string]any, 5)
	resourceType := r.Meta.ResourceType
	if resourceType == "" {
		resourceType = rt.Name
	}
	meta["resourceType"] = resourceType
	if !r.Meta.Created.IsZero() {
		meta["created"] = r.Meta.Created.UTC().Format(time.RFC3339Nano)
	}
	if !r.Meta.LastModified.IsZero() {
		meta["lastModified"] = r.Meta.LastModified.UTC().Format(time.RFC3339Nano)
	}
	if r.Meta.Location != "" {
		meta["location"] = r.Meta.Location
	}
	if r.Meta.Version != "" {
		meta["version"] = r.Meta.Version
	}
	doc["meta"] = meta
	return doc
}
