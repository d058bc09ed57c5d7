package scim

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/scimkit/scim/internal/jsonenc"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/scimerr"
)

// call is one request to a handler, however it arrived: over HTTP, as an
// operation of a bulk request, or through /Me. Handlers read only the call,
// never the HTTP request, so that each can be called directly.
type call struct {
	ctx context.Context
	// base is the absolute URL the Server is mounted at, without a
	// trailing slash, for locations.
	base string
	// path is the path the request names, for messages.
	path string
	// id is the resource id of an item request, or the id or name of a
	// schema or resource type.
	id string
	// ifMatch is the If-Match header (a bulk operation's version): "",
	// "*" or a list of entity tags; see Server.ifMatchVersion.
	ifMatch string
	// ifNoneMatch is the If-None-Match header.
	ifNoneMatch string
	// proj is what the client asked to see.
	proj schema.Projection
	// params are the list parameters; nil when the request has none.
	params params
	// body is the decoded request body; nil when there is none.
	body map[string]any
	// patch is a PATCH request parsed as its body was read, instead of
	// body; nil when body is to be parsed.
	patch *patch.Request
}

// result is what a handler answers: a status with headers and a document,
// or an error. One writer (Server.write) turns it into an HTTP response;
// a bulk request turns it into one of its results.
type result struct {
	status int
	// etag, location and allow are the ETag, Location and Allow headers,
	// when not empty.
	etag, location, allow string
	// doc is the response document; nil for no body.
	doc any
	// err, when not nil, is the answer instead of status and doc.
	err error
	// res, snap or list, when not nil, is the body instead of doc: a
	// resource, a resource shared by the store or a ListResponse of
	// those, rendered by endpoint ep under the base URL base with the
	// zero projection.
	res  *Resource
	snap *Snapshot
	list *snapshotList
	ep   *endpoint
	base string
}

// fail returns the result answering err.
func fail(err error) result { return result{err: err} }

// errInternal answers a failure that is already logged.
var errInternal = scimerr.New(scimerr.Internal, internalDetail)

// errorFor maps err to the SCIM error the client sees, logging it when it
// is not the client's doing.
func (s *Server) errorFor(ctx context.Context, method, path string, err error) *Error {
	e, public := toError(err)
	if !public && err != error(errInternal) {
		s.cfg.logger.ErrorContext(ctx, "scim: request failed", "method", method, "path", path, "error", err)
	}
	return e
}

// write writes res as the response to r.
func (s *Server) write(w http.ResponseWriter, r *http.Request, res result) {
	h := w.Header()
	if res.err != nil {
		e := s.errorFor(requestContext(w, r), r.Method, r.URL.Path, res.err)
		res.status, res.doc, res.etag, res.location = e.Status(), errorDocument(e), "", ""
		if e.Code == scimerr.Unauthorized {
			h.Set("WWW-Authenticate", `Bearer realm="SCIM"`)
		}
	}
	hs := headerSetter{h: h}
	if res.etag != "" {
		hs.set("Etag", res.etag)
	}
	if res.location != "" {
		hs.set("Location", res.location)
	}
	if res.allow != "" {
		hs.set("Allow", res.allow)
	}
	if res.doc == nil && res.res == nil && res.snap == nil && res.list == nil {
		w.WriteHeader(res.status)
		return
	}
	hs.set("Content-Type", ContentType)
	bp := jsonenc.GetBuffer()
	defer jsonenc.PutBuffer(bp)
	buf, err := s.appendBody((*bp)[:0], res)
	status := res.status
	if err != nil {
		// A value a store put in a resource that JSON cannot hold.
		s.cfg.logger.ErrorContext(requestContext(w, r), "scim: encoding response", "method", r.Method, "path", r.URL.Path, "error", err)
		status = http.StatusInternalServerError
		buf, _ = jsonenc.Append((*bp)[:0], errorDocument(errInternal))
	}
	buf = append(buf, '\n')
	hs.set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(status)
	if _, err := w.Write(buf); err != nil {
		s.cfg.logger.DebugContext(requestContext(w, r), "scim: writing response", "error", err)
	}
	*bp = buf // keep the grown buffer
}

// headerSetter sets the headers of a response, whose keys it is given in
// canonical form, taking their values from one array instead of
// allocating a slice per header. Each value is a slice of capacity one,
// so that a handler appending to it later gets a copy.
type headerSetter struct {
	h    http.Header
	vals []string
}

func (hs *headerSetter) set(key, value string) {
	if len(hs.vals) == cap(hs.vals) {
		hs.vals = make([]string, 0, 4)
	}
	hs.vals = append(hs.vals, value)
	n := len(hs.vals)
	hs.h[key] = hs.vals[n-1 : n : n]
}

// shown returns the id and location of the resource a result shows, if
// it shows one.
func (s *Server) shown(res result) (id, location string) {
	switch {
	case res.res != nil:
		id = res.res.ID
	case res.snap != nil:
		id = res.snap.res.ID
	default:
		doc, _ := res.doc.(map[string]any)
		id, _ = doc["id"].(string)
		meta, _ := doc["meta"].(map[string]any)
		location, _ = meta["location"].(string)
		return id, location
	}
	return id, s.location(res.base, res.ep, id)
}

// errUnencodable says that a shared resource holds a value JSON cannot
// hold.
var errUnencodable = errors.New("scim: a resource holds a value JSON cannot encode")

// appendBody appends the JSON of a result's body to buf.
func (s *Server) appendBody(buf []byte, res result) ([]byte, error) {
	switch {
	case res.res != nil:
		location := s.location(res.base, res.ep, res.res.ID)
		return appendDefault(buf, res.ep, res.res, func(buf []byte) []byte { return jsonenc.AppendString(buf, location) }, nil)
	case res.snap != nil:
		out, ok := s.appendSnapshot(buf, res.base, res.ep, res.snap)
		if !ok {
			return nil, errUnencodable
		}
		return out, nil
	case res.list != nil:
		return s.appendSnapshotList(buf, res.base, res.ep, res.list)
	}
	return jsonenc.Append(buf, res.doc)
}
