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
// Mount it under any prefix: at the path of its base URL, or with
// http.StripPrefix.
//
//	srv, err := scim.New(
//		scim.WithUsers(db.Users()),
//		scim.WithGroups(db.Groups()),
//		scim.WithBearerToken("entra", os.Getenv("SCIM_TOKEN")),
//		scim.WithBaseURL("https://app.example.com/scim/v2"),
//	)
//	mux.Handle("/scim/v2/", srv)
package scim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/scimkit/scim/internal/cursor"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/scimerr"
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
	cursors   *cursor.Signer
	// fixedBase is WithBaseURL's URL as a string, when it was given.
	fixedBase string
	// lastBase caches the base URL of the latest request that had no
	// fixed one, since consecutive requests almost always share it.
	lastBase atomic.Pointer[requestBase]
}

// requestBase is a base URL and what it was built from.
type requestBase struct {
	scheme, host, prefix, url string
}

// endpoint is one registered resource type and its store.
type endpoint struct {
	rt    *schema.ResourceType
	store ResourceStore
	views *views
	// memberKeys is the list of members the last encoded resource had
	// (internKeys).
	memberKeys atomic.Pointer[[]string]
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
	cfg.patchOptions = cfg.patchConfig()
	// Passwords are hashed as they are read, whichever way they arrive.
	cfg.schemaOptions.WriteOnlyString = hashPassword
	cfg.patchOptions.Schema.WriteOnlyString = hashPassword
	s := &Server{cfg: cfg, endpoints: cfg.endpoints, mux: http.NewServeMux()}
	if s.cfg.logger == nil {
		s.cfg.logger = slog.Default()
	}
	if cfg.baseURL == nil && !cfg.forwarded {
		s.cfg.logger.Warn("scim: no WithBaseURL: Location and meta.location use each request's Host header; set WithBaseURL in production")
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
	s.cursors = &cursor.Signer{Key: s.cfg.cursorKey, Timeout: s.cfg.cursorTimeout, Now: s.cfg.now}
	if err := s.collectSchemas(); err != nil {
		return nil, err
	}
	if cfg.baseURL != nil {
		s.fixedBase = cfg.baseURL.String()
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
	s.routesUnder("")
	if p := s.mountPath(); p != "" {
		s.routesUnder(p)
	}
	// Whatever no route takes is answered here, so that a request is
	// routed once.
	s.mux.HandleFunc("/", s.notRouted)
}

// mountPath returns the path of the base URL WithBaseURL set, such as
// "/scim/v2", when it has one that can lead the routes' patterns: then
// the Server also serves requests whose path still holds it, so that
// mux.Handle("/scim/v2/", srv) works without http.StripPrefix and the
// copy of every request it makes. A path of other characters than
// letters, digits and -._~, or whose first segment is that of a route
// (a base URL ending in /Users), is left to http.StripPrefix.
func (s *Server) mountPath() string {
	base := s.cfg.baseURL
	if base == nil || base.Path == "" || base.Path == "/" {
		return ""
	}
	segs := strings.Split(strings.TrimPrefix(base.Path, "/"), "/")
	for _, seg := range segs {
		if seg == "" || seg == "." || seg == ".." || strings.Trim(seg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~") != "" {
			return ""
		}
	}
	taken := []string{".search", "Bulk", "Me", "ServiceProviderConfig", "Schemas", "ResourceTypes"}
	for _, e := range s.endpoints {
		first, _, _ := strings.Cut(strings.TrimPrefix(e.rt.Endpoint, "/"), "/")
		taken = append(taken, first)
	}
	if slices.Contains(taken, segs[0]) {
		return ""
	}
	return base.Path
}

// routesUnder registers the routes under prefix ("" for the root).
func (s *Server) routesUnder(prefix string) {
	for _, e := range s.endpoints {
		endpoint := prefix + e.rt.Endpoint
		item := endpoint + "/{id}"
		// The reads, the hot path of every sync cycle, call their handler
		// directly so that the call stays on the stack.
		s.mux.HandleFunc("GET "+item, func(w http.ResponseWriter, r *http.Request) {
			c, err := s.httpCall(w, r)
			if err != nil {
				s.write(w, r, fail(err))
				return
			}
			s.write(w, r, s.get(&c, e))
		})
		s.mux.HandleFunc("GET "+endpoint, func(w http.ResponseWriter, r *http.Request) {
			c, err := s.httpCall(w, r)
			if err != nil {
				s.write(w, r, fail(err))
				return
			}
			c.params = urlParams(r.URL.Query())
			s.write(w, r, s.list(&c, e))
		})
		s.mux.HandleFunc("POST "+endpoint, s.withBody(func(c *call) result { return s.create(c, e) }))
		s.mux.HandleFunc("POST "+endpoint+"/.search", s.withBody(func(c *call) result { return s.search(c, e) }))
		s.mux.HandleFunc("PUT "+item, s.withBody(func(c *call) result { return s.replace(c, e) }))
		s.mux.HandleFunc("PATCH "+item, s.withPatch(e))
		s.mux.HandleFunc("DELETE "+item, s.without(func(c *call) result { return s.delete(c, e) }))
	}
	s.mux.HandleFunc("POST "+prefix+"/.search", s.withBody(s.searchAll))
	s.mux.HandleFunc("POST "+prefix+"/Bulk", s.withBody(s.bulk))
	s.mux.HandleFunc(prefix+"/Me", s.serveMe)
	s.mux.HandleFunc("GET "+prefix+"/ServiceProviderConfig", s.without(s.serviceProviderConfig))
	s.mux.HandleFunc("GET "+prefix+"/Schemas", s.withParams(s.listSchemas))
	s.mux.HandleFunc("GET "+prefix+"/Schemas/{id}", s.without(s.getSchema))
	s.mux.HandleFunc("GET "+prefix+"/ResourceTypes", s.withParams(s.listResourceTypes))
	s.mux.HandleFunc("GET "+prefix+"/ResourceTypes/{name}", s.without(s.getResourceType))
}

// httpCall returns the call an HTTP request makes, without its body, or
// the error of an attributes or excludedAttributes list that is refused
// before any work is done.
func (s *Server) httpCall(w http.ResponseWriter, r *http.Request) (call, error) {
	id := r.PathValue("id")
	if id == "" {
		id = r.PathValue("name")
	}
	proj, err := projection(r)
	return call{ctx: requestContext(w, r), base: s.baseURL(r), path: r.URL.Path, id: id,
		ifMatch: r.Header.Get("If-Match"), ifNoneMatch: r.Header.Get("If-None-Match"), proj: proj}, err
}

// without adapts a handler of a request without a body to net/http.
func (s *Server) without(h func(*call) result) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.httpCall(w, r)
		if err != nil {
			s.write(w, r, fail(err))
			return
		}
		s.write(w, r, h(&c))
	}
}

// withParams adapts a handler that reads the URL's list parameters.
func (s *Server) withParams(h func(*call) result) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.httpCall(w, r)
		if err != nil {
			s.write(w, r, fail(err))
			return
		}
		c.params = urlParams(r.URL.Query())
		s.write(w, r, h(&c))
	}
}

// withBody adapts a handler of a request with a JSON body to net/http.
func (s *Server) withBody(h func(*call) result) http.HandlerFunc {
	return s.reading(func(c *call, data []byte) (err error) {
		c.body, err = schema.DecodeBytes(data)
		return err
	}, h)
}

// withPatch adapts the PATCH handler of endpoint e to net/http: the body
// is parsed as a PatchOp as it is read (patch.ParseJSON), without being
// decoded to a map first.
func (s *Server) withPatch(e *endpoint) http.HandlerFunc {
	return s.reading(func(c *call, data []byte) (err error) {
		c.patch, err = patch.ParseJSON(data, e.rt, s.cfg.patchOptions)
		return err
	}, func(c *call) result { return s.patch(c, e) })
}

// reading adapts a handler of a request with a body to net/http: parse
// puts what it reads of the body's bytes into the call, and h answers it.
func (s *Server) reading(parse func(c *call, data []byte) error, h func(*call) result) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.httpCall(w, r)
		if err == nil {
			err = s.readBody(w, r, func(data []byte) error { return parse(&c, data) })
		}
		if err != nil {
			s.write(w, r, fail(err))
			return
		}
		s.write(w, r, h(&c))
	}
}

// ServeHTTP authenticates the request and routes it. Paths are relative to
// where the Server is mounted: strip the mount prefix with
// http.StripPrefix, or, with WithBaseURL, leave the path of the base URL
// in place.
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
			if r.ContentLength != 0 {
				// Answer at once: net/http would otherwise wait for the
				// body it drains before answering, and an unauthenticated
				// client must not hold the connection.
				w.Header().Set("Connection", "close")
			}
			s.write(w, r, fail(e))
			return
		}
		if principal != nil {
			// The principal travels beside the response writer rather
			// than in a copy of the request with a new context: copying
			// the request was the largest allocation of a request.
			w = &authenticated{ResponseWriter: w, principal: principal}
		}
	}
	s.mux.ServeHTTP(w, r)
}

// authenticated is the response writer of a request ServeHTTP
// authenticated, carrying its principal to the handler.
type authenticated struct {
	http.ResponseWriter
	principal any
}

// Unwrap returns the response writer of net/http, for
// http.ResponseController.
func (a *authenticated) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// requestContext returns the context of a request: r's, with the
// principal ServeHTTP authenticated, if any.
func requestContext(w http.ResponseWriter, r *http.Request) context.Context {
	if a, ok := w.(*authenticated); ok {
		return ContextWithPrincipal(r.Context(), a.principal)
	}
	return r.Context()
}

// unwrap returns the response writer net/http gave ServeHTTP.
func unwrap(w http.ResponseWriter) http.ResponseWriter {
	if a, ok := w.(*authenticated); ok {
		return a.ResponseWriter
	}
	return w
}

// notRouted answers a request that matches no route: 405 with Allow when
// the path exists for other methods, else 404, both as SCIM errors.
func (s *Server) notRouted(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		s.write(w, r, result{allow: strings.Join(allowed, ", "),
			err: scimerr.New(scimerr.MethodNotAllowed, r.Method+" is not supported on "+r.URL.Path)})
		return
	}
	s.write(w, r, fail(scimerr.New(scimerr.NotFound, "no SCIM endpoint at "+r.URL.Path)))
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
	s.cfg.logger.ErrorContext(requestContext(w, r), "scim: panic serving request",
		"method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
	s.write(w, r, fail(errInternal))
}

// mountPrefix returns the path prefix the Server is mounted under, such as
// "/scim/v2", from the difference between the request's original path and
// the path the Server sees.
func (s *Server) mountPrefix(r *http.Request) string {
	raw, _, _ := strings.Cut(r.RequestURI, "?")
	if strings.HasPrefix(raw, "/") && !strings.Contains(raw, "%") {
		// The common form: the path as sent is the path parsed.
		if strings.HasSuffix(raw, r.URL.Path) {
			return raw[:len(raw)-len(r.URL.Path)]
		}
		return ""
	}
	if uri, err := url.ParseRequestURI(r.RequestURI); err == nil && strings.HasSuffix(uri.Path, r.URL.Path) {
		return strings.TrimSuffix(uri.Path, r.URL.Path)
	}
	return ""
}

// baseURL returns the absolute URL the Server is mounted at, without a
// trailing slash.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.baseURL != nil {
		return s.fixedBase
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if s.cfg.forwarded {
		switch p := strings.ToLower(firstForwarded(r.Header.Get("X-Forwarded-Proto"))); p {
		case "http", "https":
			scheme = p
		}
		if h := firstForwarded(r.Header.Get("X-Forwarded-Host")); validHost(h) {
			host = h
		}
	}
	prefix := s.mountPrefix(r)
	if last := s.lastBase.Load(); last != nil && last.scheme == scheme && last.host == host && last.prefix == prefix {
		return last.url
	}
	b := &requestBase{scheme: scheme, host: host, prefix: prefix, url: scheme + "://" + host + prefix}
	s.lastBase.Store(b)
	return b.url
}

// firstForwarded returns the first of a comma-separated forwarded header's
// values: the one the proxy nearest the client set.
func firstForwarded(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

// validHost reports whether h is a plain host[:port] that may appear in a
// URL: letters, digits, dots, hyphens, a port, or a bracketed IPv6 address.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '-', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}
