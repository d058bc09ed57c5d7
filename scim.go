// Package scim turns a Go application into a SCIM 2.0 service provider
// (RFC 7643, RFC 7644) that identity providers such as Microsoft Entra ID
// and Okta provision users and groups into.
//
// A Server is an http.Handler serving the SCIM endpoints of every resource
// type it is given (/Users, /Groups, ...) and the discovery endpoints
// (/ServiceProviderConfig, /Schemas, /ResourceTypes). It validates bodies
// against the schemas, evaluates filters, applies PATCH, projects responses
// and maps errors; the host supplies a ResourceStore per resource type (or
// uses store/memory) and, optionally, change hooks that act on every
// committed write.
//
// Mount it under any prefix:
//
//	srv, err := scim.New(
//		scim.WithUsers(db.Users()),
//		scim.WithGroups(db.Groups()),
//		scim.WithBearerToken("entra", os.Getenv("SCIM_TOKEN")),
//	)
//	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
package scim

import (
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/scimkit/scim/scimerr"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// ContentType is the media type of SCIM requests and responses.
const ContentType = "application/scim+json"

// Server serves SCIM 2.0 over HTTP. It is safe for concurrent use.
type Server struct {
	cfg       config
	auth      Authenticator
	mux       *http.ServeMux
	endpoints []*endpoint
	schemas   []*schema.Schema
}

// endpoint is one registered resource type and its store.
type endpoint struct {
	rt    *schema.ResourceType
	store ResourceStore
}

// New returns a Server configured by opts. At least one resource type and
// one way of authenticating (WithBearerToken, WithAuthenticator or,
// explicitly, WithoutAuthentication) are required.
func New(opts ...Option) (*Server, error) {
	cfg := config{maxResults: DefaultMaxResults, maxPayloadSize: DefaultMaxPayloadSize,
		bulkMaxOps: DefaultMaxBulkOperations, cursorTimeout: DefaultCursorTimeout}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.apply(&cfg); err != nil {
			return nil, err
		}
	}
	if len(cfg.endpoints) == 0 {
		return nil, errors.New("scim: no resource type: use WithUsers, WithGroups or WithResourceType")
	}
	// One configuration for every way a value arrives: a PATCH checks
	// its values and its path filters as a POST body and a query filter are.
	if cfg.schemaOptions.RejectUnknown {
		cfg.patchOptions.Schema.RejectUnknown = true
	}
	if cfg.patchOptions.Filter == (filter.Options{}) {
		cfg.patchOptions.Filter = cfg.filterOptions
	}
	s := &Server{cfg: cfg, endpoints: cfg.endpoints, mux: http.NewServeMux()}
	if s.cfg.logger == nil {
		s.cfg.logger = slog.Default()
	}
	switch {
	case cfg.authenticator != nil && len(cfg.tokens) > 0:
		return nil, errors.New("scim: use either WithAuthenticator or WithBearerToken, not both")
	case cfg.authenticator != nil:
		s.auth = cfg.authenticator
	case len(cfg.tokens) > 0:
		s.auth = bearerAuthenticator(cfg.tokens)
	case !cfg.noAuth:
		return nil, errors.New("scim: no authentication: use WithBearerToken, WithAuthenticator or WithoutAuthentication")
	}
	if s.cfg.cursorKey == nil {
		s.cfg.cursorKey = make([]byte, 32)
		if _, err := rand.Read(s.cfg.cursorKey); err != nil {
			return nil, err
		}
	}
	if err := s.collectSchemas(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// collectSchemas lists every schema of the registered resource types once.
// Resource types built by separate calls (schema.UserResourceType()) hold
// equal copies of a schema; two schemas with one URN but different
// attributes are a configuration error.
func (s *Server) collectSchemas() error {
	seen := map[string]*schema.Schema{}
	add := func(sc *schema.Schema) error {
		key := strings.ToLower(sc.ID)
		if prev, ok := seen[key]; ok {
			if prev != sc && len(prev.Attributes) != len(sc.Attributes) {
				return fmt.Errorf("scim: two different schemas share the URN %s", sc.ID)
			}
			return nil
		}
		seen[key] = sc
		s.schemas = append(s.schemas, sc)
		return nil
	}
	for _, e := range s.endpoints {
		if err := add(e.rt.Schema); err != nil {
			return err
		}
		for _, ext := range e.rt.Extensions {
			if err := add(ext.Schema); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Server) routes() {
	for _, e := range s.endpoints {
		s.mux.HandleFunc("GET "+e.rt.Endpoint, func(w http.ResponseWriter, r *http.Request) { s.list(w, r, e) })
		s.mux.HandleFunc("POST "+e.rt.Endpoint, func(w http.ResponseWriter, r *http.Request) { s.create(w, r, e) })
		s.mux.HandleFunc("POST "+e.rt.Endpoint+"/.search", func(w http.ResponseWriter, r *http.Request) { s.search(w, r, e) })
		item := e.rt.Endpoint + "/{id}"
		s.mux.HandleFunc("GET "+item, func(w http.ResponseWriter, r *http.Request) { s.get(w, r, e) })
		s.mux.HandleFunc("PUT "+item, func(w http.ResponseWriter, r *http.Request) { s.replace(w, r, e) })
		s.mux.HandleFunc("PATCH "+item, func(w http.ResponseWriter, r *http.Request) { s.patch(w, r, e) })
		s.mux.HandleFunc("DELETE "+item, func(w http.ResponseWriter, r *http.Request) { s.delete(w, r, e) })
	}
	s.mux.HandleFunc("POST /.search", s.searchAll)
	s.mux.HandleFunc("POST /Bulk", s.bulk)
	s.mux.HandleFunc("/Me", s.serveMe)
	s.mux.HandleFunc("GET /ServiceProviderConfig", s.serviceProviderConfig)
	s.mux.HandleFunc("GET /Schemas", s.listSchemas)
	s.mux.HandleFunc("GET /Schemas/{id}", s.getSchema)
	s.mux.HandleFunc("GET /ResourceTypes", s.listResourceTypes)
	s.mux.HandleFunc("GET /ResourceTypes/{name}", s.getResourceType)
}

// ServeHTTP authenticates the request and routes it. Paths are relative to
// where the Server is mounted: strip the mount prefix with
// http.StripPrefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer s.recoverPanic(w, r)
	if r.URL.Path == "" || r.URL.Path[0] != '/' {
		r2 := *r
		u := *r.URL
		u.Path = "/" + u.Path
		r2.URL = &u
		r = &r2
	}
	if s.auth != nil {
		principal, err := s.auth.Authenticate(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				e = errUnauthorized
			}
			if e.Code == scimerr.Unauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
			}
			s.writeError(w, r, e)
			return
		}
		if principal != nil {
			r = r.WithContext(ContextWithPrincipal(r.Context(), principal))
		}
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.notRouted(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// notRouted answers a request that matches no route: 405 with Allow when
// the path exists for other methods, else 404, both as SCIM errors.
func (s *Server) notRouted(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.writeError(w, r, &Error{Code: scimerr.MethodNotAllowed, Detail: r.Method + " is not supported on " + r.URL.Path})
		return
	}
	s.writeError(w, r, &Error{Code: scimerr.NotFound, Detail: "no SCIM endpoint at " + r.URL.Path})
}

// recoverPanic, deferred, turns a panic of the handler serving r into a
// logged 500 with a generic detail (http.ErrAbortHandler goes on, as
// net/http expects).
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.cfg.logger.ErrorContext(r.Context(), "scim: panic serving request",
		"method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
	s.writeError(w, r, &Error{Code: scimerr.Internal, Detail: "internal server error"})
}

// writeJSON writes v as the SCIM response with the given status.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", ContentType)
	if rec, ok := w.(*recorder); ok {
		rec.WriteHeader(status)
		rec.doc = v // a bulk operation: the bulk response encodes it
		return
	}
	bp := buffers.Get().(*[]byte)
	defer buffers.Put(bp)
	buf, err := appendJSON((*bp)[:0], v)
	if err != nil {
		// A value a store put in a resource that JSON cannot hold.
		s.cfg.logger.ErrorContext(r.Context(), "scim: encoding response", "method", r.Method, "path", r.URL.Path, "error", err)
		status = http.StatusInternalServerError
		buf, _ = appendJSON((*bp)[:0], errorDocument(scimerr.New(scimerr.Internal, internalDetail)))
	}
	buf = append(buf, '\n')
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(status)
	if _, err := w.Write(buf); err != nil {
		s.cfg.logger.DebugContext(r.Context(), "scim: writing response", "error", err)
	}
	if cap(buf) <= 1<<20 {
		*bp = buf // keep the grown buffer, but not a huge one
	}
}

// writeError answers with the SCIM error for err: client errors with their
// own detail, anything else as a logged 500 with a generic detail.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, public := toError(err)
	if !public {
		s.cfg.logger.ErrorContext(r.Context(), "scim: request failed",
			"method", r.Method, "path", r.URL.Path, "error", err)
	}
	s.writeJSON(w, r, e.Status(), errorDocument(e))
}

// rewrite returns a copy of r for another path under the Server, keeping
// the mount prefix so that locations stay right.
func (s *Server) rewrite(r *http.Request, path string) *http.Request {
	prefix := s.mountPrefix(r)
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = path, ""
	r2.RequestURI = prefix + r2.URL.EscapedPath()
	if r2.URL.RawQuery != "" {
		r2.RequestURI += "?" + r2.URL.RawQuery
	}
	return r2
}

// mountPrefix returns the path prefix the Server is mounted under, such as
// "/scim/v2", from the difference between the request's original path and
// the path the Server sees.
func (s *Server) mountPrefix(r *http.Request) string {
	if uri, err := url.ParseRequestURI(r.RequestURI); err == nil && strings.HasSuffix(uri.Path, r.URL.Path) {
		return strings.TrimSuffix(uri.Path, r.URL.Path)
	}
	return ""
}

// baseURL returns the absolute URL the Server is mounted at, without a
// trailing slash.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.baseURL != nil {
		return s.cfg.baseURL.String()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + s.mountPrefix(r)
}
