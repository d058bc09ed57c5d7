package scim

import (
	"context"
	"errors"
	"github.com/scimkit/scim/scimerr"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// maxVersionRetries bounds how often a replace or patch without If-Match
// is run again when concurrent writers keep changing the resource; each
// retry waits a little longer, with jitter, so that writers spread out.
const maxVersionRetries = 25

func (s *Server) get(w http.ResponseWriter, r *http.Request, e *endpoint) {
	p := projection(r)
	res, err := e.store.Get(r.Context(), r.PathValue("id"), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if v := res.Meta.Version; v != "" && r.Header.Get("If-None-Match") == v {
		w.Header().Set("ETag", v)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.writeResource(w, r, http.StatusOK, e, res, p)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, e *endpoint) {
	body, err := s.decode(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	attrs, err := e.rt.Canonicalize(body, nil, s.cfg.schemaOptions)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := e.store.Create(r.Context(), &Resource{Attributes: attrs})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.notify(r.Context(), Change{Kind: Created, ResourceType: e.rt.Name, ID: res.ID, Resource: res,
		MembersAdded: patch.MemberIDs(res.Attributes)})
	w.Header().Set("Location", s.location(s.baseURL(r), e, res.ID))
	s.writeResource(w, r, http.StatusCreated, e, res, projection(r))
}

func (s *Server) replace(w http.ResponseWriter, r *http.Request, e *endpoint) {
	body, err := s.decode(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var old *Resource
	res, err := s.retryOnConflict(r, func(ctx context.Context, ifMatch string) (*Resource, error) {
		var err error
		if old, err = s.current(ctx, e, r.PathValue("id"), ifMatch); err != nil {
			return nil, err
		}
		attrs, err := e.rt.Canonicalize(body, old.Attributes, s.cfg.schemaOptions)
		if err != nil {
			return nil, err
		}
		return e.store.Replace(ctx, &Resource{ID: old.ID, Attributes: attrs}, old.Meta.Version)
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	added, removed := diffMembers(patch.MemberIDs(old.Attributes), patch.MemberIDs(res.Attributes))
	s.notify(r.Context(), Change{Kind: Replaced, ResourceType: e.rt.Name, ID: res.ID, Resource: res,
		MembersAdded: added, MembersRemoved: removed})
	s.writeResource(w, r, http.StatusOK, e, res, projection(r))
}

// patch applies a PatchOp. It answers 200 with the resource, projected as
// the client asks, except when the request only changed group membership
// and the client asked for no attributes: then 204, so that adding one
// member never costs rendering a group of 100,000.
func (s *Server) patch(w http.ResponseWriter, r *http.Request, e *endpoint) {
	body, err := s.decode(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := patch.Parse(body, e.rt, s.cfg.patchOptions)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := projection(r)
	_, membersOnly := req.MemberDelta(e.rt)
	noContent := membersOnly && p.IsZero()
	storeProjection := p
	if noContent {
		storeProjection = schema.Projection{ExcludedAttributes: []string{"members"}}
	}
	id := r.PathValue("id")
	var result *patch.Result
	var res *Resource
	if patcher, ok := e.store.(Patcher); ok {
		res, result, err = patcher.Patch(r.Context(), id, req, ifMatch(r), storeProjection)
	} else {
		res, err = s.retryOnConflict(r, func(ctx context.Context, ifMatch string) (*Resource, error) {
			old, err := s.current(ctx, e, id, ifMatch)
			if err != nil {
				return nil, err
			}
			attrs, res, err := patch.Apply(e.rt, old.Attributes, req, s.cfg.patchOptions)
			if err != nil {
				return nil, err
			}
			if result = res; !res.Changed {
				return old, nil
			}
			return e.store.Replace(ctx, &Resource{ID: old.ID, Attributes: attrs}, old.Meta.Version)
		})
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if result != nil && result.Changed {
		s.notify(r.Context(), Change{Kind: Patched, ResourceType: e.rt.Name, ID: res.ID, Resource: res,
			MembersAdded: result.MembersAdded, MembersRemoved: result.MembersRemoved})
	}
	if noContent {
		if res.Meta.Version != "" {
			w.Header().Set("ETag", res.Meta.Version)
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.writeResource(w, r, http.StatusOK, e, res, p)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, e *endpoint) {
	id := r.PathValue("id")
	ctx, side := withSideChanges(r.Context())
	if err := e.store.Delete(ctx, id, ifMatch(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.notify(r.Context(), Change{Kind: Deleted, ResourceType: e.rt.Name, ID: id})
	for _, c := range side.reported() {
		s.notify(r.Context(), c)
	}
	w.WriteHeader(http.StatusNoContent)
}

// retryOnConflict runs write with the client's If-Match. Without one, a
// write that fails because a concurrent writer changed the resource since
// it was read is run again, a bounded number of times.
func (s *Server) retryOnConflict(r *http.Request, write func(ctx context.Context, ifMatch string) (*Resource, error)) (*Resource, error) {
	want := ifMatch(r)
	for attempt := 1; ; attempt++ {
		res, err := write(r.Context(), want)
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
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
}

// current reads the whole stored resource for a write, checking the
// client's If-Match against it first.
func (s *Server) current(ctx context.Context, e *endpoint, id, ifMatch string) (*Resource, error) {
	old, err := e.store.Get(ctx, id, schema.Projection{})
	if err != nil {
		return nil, err
	}
	if ifMatch != "" && ifMatch != old.Meta.Version {
		return nil, ErrPreconditionFailed
	}
	return old, nil
}

// decode reads a JSON request body within the payload limit.
func (s *Server) decode(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	if body, ok := r.Context().Value(decodedBodyKey{}).(map[string]any); ok {
		return body, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return nil, &Error{Code: scimerr.UnsupportedMediaType,
				Detail: "the request body must be JSON: send Content-Type: " + ContentType}
		}
	}
	return schema.Decode(http.MaxBytesReader(w, r.Body, s.cfg.maxPayloadSize))
}

// writeResource writes res projected by p, with its ETag.
func (s *Server) writeResource(w http.ResponseWriter, r *http.Request, status int, e *endpoint, res *Resource, p schema.Projection) {
	if res.Meta.Version != "" {
		w.Header().Set("ETag", res.Meta.Version)
	}
	s.writeJSON(w, r, status, s.render(s.baseURL(r), e, res, p))
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

// notify runs the change hooks.
func (s *Server) notify(ctx context.Context, c Change) {
	for _, h := range s.cfg.hooks {
		h(ctx, c)
	}
}

// projection reads the attributes and excludedAttributes parameters.
func projection(r *http.Request) schema.Projection {
	if r.URL.RawQuery == "" {
		return schema.Projection{}
	}
	p := urlParams(r.URL.Query())
	return schema.ParseProjection(p.get("attributes"), p.get("excludedAttributes"))
}

// ifMatch returns the entity tag of the If-Match header, or "" when there
// is none or it is "*".
func ifMatch(r *http.Request) string {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "*" {
		return ""
	}
	return v
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
