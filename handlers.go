package scim

import (
	"context"
	"errors"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/scimerr"
)

// maxVersionRetries bounds how often a replace or patch without If-Match
// is run again when concurrent writers keep changing the resource; each
// retry waits a little longer, with jitter, so that writers spread out.
const maxVersionRetries = 25

func (s *Server) get(c *call, e *endpoint) result {
	if sr, ok := e.store.(SnapshotReader); ok && c.proj.IsZero() {
		snap, err := sr.GetSnapshot(c.ctx, c.id)
		if err != nil {
			return fail(err)
		}
		v := snap.res.Meta.Version
		if notModified(c.ifNoneMatch, v) {
			return result{status: http.StatusNotModified, etag: v}
		}
		return result{status: http.StatusOK, etag: v, snap: snap, ep: e, base: c.base}
	}
	res, err := e.store.Get(c.ctx, c.id, c.proj)
	if err != nil {
		return fail(err)
	}
	if v := res.Meta.Version; notModified(c.ifNoneMatch, v) {
		return result{status: http.StatusNotModified, etag: v}
	}
	return s.resourceResult(c, http.StatusOK, e, res)
}

func (s *Server) create(c *call, e *endpoint) result {
	// The body was decoded for this call and is not read again: its maps
	// become the new resource's.
	attrs, err := e.rt.CanonicalizeOwned(c.body, s.cfg.schemaOptions)
	if err != nil {
		return fail(err)
	}
	var res *Resource
	var snap *Snapshot
	if sw, ok := e.store.(SnapshotWriter); ok && c.proj.IsZero() {
		if snap, err = sw.CreateSnapshot(c.ctx, &Resource{Attributes: attrs}); err == nil {
			res = snap.res
		}
	} else {
		res, err = e.store.Create(c.ctx, &Resource{Attributes: attrs})
	}
	if err != nil {
		return fail(err)
	}
	s.notify(c.ctx, Change{Kind: Created, ResourceType: e.rt.Name, ID: res.ID, Resource: res,
		MembersAdded: patch.MemberIDs(res.Attributes)})
	out := s.writeResult(c, http.StatusCreated, e, res, snap)
	out.location = s.location(c.base, e, res.ID)
	return out
}

func (s *Server) replace(c *call, e *endpoint) result {
	var old *Resource
	var snap *Snapshot
	sw, shared := e.store.(SnapshotWriter)
	shared = shared && c.proj.IsZero()
	res, err := s.retryOnConflict(c, e, func(ctx context.Context, ifMatch string) (*Resource, error) {
		var err error
		if old, err = s.current(ctx, e, c.id, ifMatch); err != nil {
			return nil, err
		}
		attrs, err := e.rt.Canonicalize(c.body, old.Attributes, s.cfg.schemaOptions)
		if err != nil {
			return nil, err
		}
		if !shared {
			return e.store.Replace(ctx, &Resource{ID: old.ID, Attributes: attrs}, old.Meta.Version)
		}
		if snap, err = sw.ReplaceSnapshot(ctx, &Resource{ID: old.ID, Attributes: attrs}, old.Meta.Version); err != nil {
			return nil, err
		}
		return snap.res, nil
	})
	if err != nil {
		return fail(err)
	}
	added, removed := diffMembers(patch.MemberIDs(old.Attributes), patch.MemberIDs(res.Attributes))
	s.notify(c.ctx, Change{Kind: Replaced, ResourceType: e.rt.Name, ID: res.ID, Resource: res,
		MembersAdded: added, MembersRemoved: removed})
	return s.writeResult(c, http.StatusOK, e, res, snap)
}

// patch applies a PatchOp. It answers 200 with the resource, projected as
// the client asks, except when the request only changed group membership
// and the client asked for no attributes: then 204, so that adding one
// member never costs rendering a group of 100,000.
func (s *Server) patch(c *call, e *endpoint) result {
	req := c.patch
	var err error
	if req == nil {
		if req, err = patch.Parse(c.body, e.rt, s.cfg.patchOptions); err != nil {
			return fail(err)
		}
	}
	_, membersOnly := req.MemberDelta(e.rt)
	noContent := membersOnly && c.proj.IsZero()
	storeProjection := c.proj
	if noContent {
		storeProjection = schema.Projection{ExcludedAttributes: []string{"members"}}
	}
	var changes *patch.Result
	var res *Resource
	var snap *Snapshot
	native := false
	if patcher, ok := e.store.(Patcher); ok {
		var want string
		if want, err = s.ifMatchVersion(c.ctx, e, c.id, c.ifMatch); err == nil {
			if sw, ok := e.store.(SnapshotWriter); ok && storeProjection.IsZero() {
				if snap, changes, err = sw.PatchSnapshot(c.ctx, c.id, req, want); err == nil {
					res = snap.res
				}
			} else {
				res, changes, err = patcher.Patch(c.ctx, c.id, req, want, storeProjection)
			}
		}
		native = !errors.Is(err, ErrSkip)
	}
	if !native {
		res, err = s.retryOnConflict(c, e, func(ctx context.Context, ifMatch string) (*Resource, error) {
			old, err := s.current(ctx, e, c.id, ifMatch)
			if err != nil {
				return nil, err
			}
			attrs, res, err := patch.Apply(e.rt, old.Attributes, req)
			if err != nil {
				return nil, err
			}
			if changes = res; !res.Changed {
				return old, nil
			}
			return e.store.Replace(ctx, &Resource{ID: old.ID, Attributes: attrs}, old.Meta.Version)
		})
	}
	if err != nil {
		return fail(err)
	}
	if changes != nil && changes.Changed {
		s.notify(c.ctx, Change{Kind: Patched, ResourceType: e.rt.Name, ID: res.ID, Resource: res,
			MembersAdded: changes.MembersAdded, MembersRemoved: changes.MembersRemoved})
	}
	if noContent {
		return result{status: http.StatusNoContent, etag: res.Meta.Version}
	}
	return s.writeResult(c, http.StatusOK, e, res, snap)
}

func (s *Server) delete(c *call, e *endpoint) result {
	ctx, side := withSideChanges(c.ctx)
	want, err := s.ifMatchVersion(ctx, e, c.id, c.ifMatch)
	if err == nil {
		err = e.store.Delete(ctx, c.id, want)
	}
	if err != nil {
		return fail(err)
	}
	s.notify(c.ctx, Change{Kind: Deleted, ResourceType: e.rt.Name, ID: c.id})
	for _, ch := range side.reported() {
		s.notify(c.ctx, ch)
	}
	return result{status: http.StatusNoContent}
}

// retryOnConflict runs write with the client's If-Match. Without one, a
// write that fails because a concurrent writer changed the resource since
// it was read is run again, a bounded number of times.
func (s *Server) retryOnConflict(c *call, e *endpoint, write func(ctx context.Context, ifMatch string) (*Resource, error)) (*Resource, error) {
	want, err := s.ifMatchVersion(c.ctx, e, c.id, c.ifMatch)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		res, err := write(c.ctx, want)
		if err == nil || want != "" || !errors.Is(err, ErrPreconditionFailed) {
			return res, err
		}
		if attempt == maxVersionRetries {
			// The client set no precondition, so a 412 would be wrong;
			// a 503 tells it to try again later.
			return nil, &Error{Code: scimerr.Unavailable,
				Detail: "the resource is being changed by other requests; try again"}
		}
		backoff := time.Duration(attempt) * time.Millisecond
		select {
		case <-time.After(backoff + rand.N(backoff)):
		case <-c.ctx.Done():
			return nil, c.ctx.Err()
		}
	}
}

// current reads the whole stored resource for a write, checking the
// client's If-Match against it first. The resource may be shared with the
// store: it is only read.
func (s *Server) current(ctx context.Context, e *endpoint, id, ifMatch string) (*Resource, error) {
	var old *Resource
	if sr, ok := e.store.(SnapshotReader); ok {
		snap, err := sr.GetSnapshot(ctx, id)
		if err != nil {
			return nil, err
		}
		old = snap.res
	} else {
		var err error
		if old, err = e.store.Get(ctx, id, schema.Projection{}); err != nil {
			return nil, err
		}
	}
	if ifMatch != "" && ifMatch != old.Meta.Version {
		return nil, ErrPreconditionFailed
	}
	return old, nil
}

// decode reads a JSON request body within the payload limit.
func (s *Server) decode(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	var body map[string]any
	err := s.readBody(w, r, func(data []byte) error {
		var err error
		body, err = schema.DecodeBytes(data)
		return err
	})
	return body, err
}

// readBody reads a request body within the payload limit and passes its
// bytes to use, which must not keep them, after checking that the body
// is JSON.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, use func(data []byte) error) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != ContentType && ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return scimerr.New(scimerr.UnsupportedMediaType,
				"the request body must be JSON: send Content-Type: "+ContentType)
		}
	}
	// net/http's own writer, so that it closes the connection after a
	// body over the limit.
	return schema.ReadBody(http.MaxBytesReader(unwrap(w), r.Body, s.cfg.maxPayloadSize), use)
}

// writeResult answers a write's outcome res, from its snapshot when the
// store shared one.
func (s *Server) writeResult(c *call, status int, e *endpoint, res *Resource, snap *Snapshot) result {
	if snap != nil {
		return result{status: status, etag: res.Meta.Version, snap: snap, ep: e, base: c.base}
	}
	return s.resourceResult(c, status, e, res)
}

// resourceResult answers res projected as the client asks, with its ETag.
func (s *Server) resourceResult(c *call, status int, e *endpoint, res *Resource) result {
	if c.proj.IsZero() {
		return result{status: status, etag: res.Meta.Version, res: res, ep: e, base: c.base}
	}
	return result{status: status, etag: res.Meta.Version, doc: s.render(c.base, e, res, c.proj)}
}

// render returns the JSON object of res as the client sees it.
func (s *Server) render(base string, e *endpoint, res *Resource, p schema.Projection) map[string]any {
	shown := *res
	shown.Meta.ResourceType = e.rt.Name
	shown.Meta.Location = s.location(base, e, res.ID)
	return e.rt.Project(Document(e.rt, &shown), p)
}

func (s *Server) location(base string, e *endpoint, id string) string {
	return base + e.rt.Endpoint + "/" + url.PathEscape(id)
}

// notify runs the change hooks. The change is committed: a hook that
// panics is logged and the next hook still runs, and the client is told
// what was committed.
func (s *Server) notify(ctx context.Context, c Change) {
	for i, h := range s.cfg.hooks {
		s.runHook(ctx, i, h, c)
	}
}

// runHook runs one change hook, recovering a panic.
func (s *Server) runHook(ctx context.Context, i int, h ChangeHook, c Change) {
	defer func() {
		if v := recover(); v != nil {
			s.cfg.logger.ErrorContext(ctx, "scim: change hook panicked; the change is committed",
				"hook", i, "kind", c.Kind, "resourceType", c.ResourceType, "id", c.ID,
				"panic", v, "stack", string(debug.Stack()))
		}
	}()
	h(ctx, c)
}

// projection reads the attributes and excludedAttributes parameters.
func projection(r *http.Request) (schema.Projection, error) {
	if r.URL.RawQuery == "" {
		return schema.Projection{}, nil
	}
	p := urlParams(r.URL.Query())
	return schema.ParseProjection(p.get("attributes"), p.get("excludedAttributes"))
}

// diffMembers returns the ids in after but not before, and in before but
// not after.
func diffMembers(before, after []string) (added, removed []string) {
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
