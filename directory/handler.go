package directory

import (
	"container/list"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

// Handler serves every directory of a Registry: mounted at /scim/ (with
// http.StripPrefix("/scim", h)), it serves directory acme at
// /scim/acme/v2/. It is safe for concurrent use. Call Close when done to
// stop its background writer.
type Handler struct {
	reg        Registry
	be         Backend
	log        Log
	serverOpts []scim.Option
	masterKey  []byte
	baseURL    string
	logger     *slog.Logger
	now        func() time.Time
	touchEvery time.Duration
	bodyLimit  int
	queueSize  int
	cacheSize  int
	userType   *schema.ResourceType
	groupType  *schema.ResourceType
	red        *redactor

	meterProvider  metric.MeterProvider
	tracerProvider trace.TracerProvider
	tel            *telemetry

	mu      sync.Mutex
	servers map[string]*list.Element // directory id -> *cached in lru
	lru     *list.List

	touchMu sync.Mutex
	touched map[string]time.Time // token id -> last write of LastUsed

	queue     chan job
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	dropped   atomic.Uint64
}

// cached is a built Server of a directory, for the name it was built with.
type cached struct {
	id, name string
	srv      *scim.Server
}

// job is work for the background writer: a log entry to redact and
// append, a LastUsed to write, or a flush to acknowledge.
type job struct {
	entry   *pendingEntry
	touchID string
	touchAt time.Time
	flushed chan struct{}
}

// pendingEntry is a request as captured on the hot path, before redaction.
type pendingEntry struct {
	Entry
	relPath             string
	reqBody, respBody   []byte
	reqTotal, respTotal int64
}

// New returns a Handler serving the directories of reg over the stores of
// be. It checks the server options by building one Server over empty
// memory stores.
func New(reg Registry, be Backend, opts ...Option) (*Handler, error) {
	if reg == nil || be == nil {
		return nil, errors.New("directory: New needs a registry and a backend")
	}
	h := &Handler{reg: reg, be: be, now: time.Now, touchEvery: DefaultLastUsedInterval,
		bodyLimit: DefaultLogBodyLimit, queueSize: DefaultLogBuffer, cacheSize: DefaultServerCacheSize,
		userType: schema.UserResourceType(), groupType: schema.GroupResourceType(),
		servers: map[string]*list.Element{}, lru: list.New(), touched: map[string]time.Time{}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.apply(h); err != nil {
			return nil, err
		}
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	if h.masterKey == nil {
		h.masterKey = make([]byte, 32)
		if _, err := rand.Read(h.masterKey); err != nil {
			return nil, err
		}
	}
	types := []*schema.ResourceType{h.userType}
	if h.groupType != nil {
		types = append(types, h.groupType)
	}
	h.red = newRedactor(types)
	var err error
	if h.tel, err = newTelemetry(h.meterProvider, h.tracerProvider); err != nil {
		return nil, fmt.Errorf("directory: telemetry: %w", err)
	}
	probe := memory.New()
	var groups scim.ResourceStore
	if h.groupType != nil {
		groups = probe.Groups()
	}
	if _, err = h.build(Directory{ID: "probe", Name: "probe"}, probe.Users(), groups); err != nil {
		return nil, fmt.Errorf("directory: server options: %w", err)
	}
	h.queue = make(chan job, h.queueSize)
	h.stop = make(chan struct{})
	h.done = make(chan struct{})
	go h.write()
	return h, nil
}

// Close stops the background writer after it has written what is queued.
// Requests served after Close are not logged.
func (h *Handler) Close() error {
	h.closeOnce.Do(func() { close(h.stop) })
	<-h.done
	return nil
}

// FlushLog waits until every request served before the call is in the log
// and every pending LastUsed is written, or ctx ends.
func (h *Handler) FlushLog(ctx context.Context) error {
	ch := make(chan struct{})
	select {
	case h.queue <- job{flushed: ch}:
	case <-h.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ch:
		return nil
	case <-h.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// LogDropped returns how many requests were not logged because the log's
// buffer was full.
func (h *Handler) LogDropped() uint64 { return h.dropped.Load() }

// cursorKey derives directory id's cursor signing key from the master key.
func (h *Handler) cursorKey(id string) []byte {
	m := hmac.New(sha256.New, h.masterKey)
	m.Write([]byte("scim directory cursor key\x00"))
	m.Write([]byte(id))
	return m.Sum(nil)
}

type principalKey struct{}

// authenticated is the Authenticator of every directory's Server: the
// Handler has authenticated the request and put the principal in its
// context; a request that did not come through the Handler has none and
// is refused.
var authenticated = scim.AuthenticatorFunc(func(r *http.Request) (any, error) {
	p, ok := r.Context().Value(principalKey{}).(Principal)
	if !ok {
		return nil, errors.New("directory: request did not come through the Handler")
	}
	return p, nil
})

// build returns a Server for d over the given stores.
func (h *Handler) build(d Directory, users, groups scim.ResourceStore) (*scim.Server, error) {
	opts := slices.Clone(h.serverOpts)
	opts = append(opts, scim.WithResourceType(h.userType, users))
	if groups != nil && h.groupType != nil {
		opts = append(opts, scim.WithResourceType(h.groupType, groups))
	}
	opts = append(opts, scim.WithCursorKey(h.cursorKey(d.ID)), scim.WithAuthenticator(authenticated))
	if h.baseURL != "" {
		opts = append(opts, scim.WithBaseURL(h.baseURL+"/"+d.Name+"/v2"))
	}
	return scim.New(opts...)
}

// server returns the Server of d, building it when it is not cached or
// was built under another name.
func (h *Handler) server(ctx context.Context, d Directory) (*scim.Server, error) {
	h.mu.Lock()
	if el, ok := h.servers[d.ID]; ok {
		c := el.Value.(*cached)
		if c.name == d.Name {
			h.lru.MoveToFront(el)
			h.mu.Unlock()
			return c.srv, nil
		}
	}
	h.mu.Unlock()
	users, groups, err := h.be.Stores(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	srv, err := h.build(d, users, groups)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if el, ok := h.servers[d.ID]; ok {
		c := el.Value.(*cached)
		if c.name == d.Name {
			h.lru.MoveToFront(el)
			return c.srv, nil // built meanwhile by another request
		}
		h.lru.Remove(el)
	}
	h.servers[d.ID] = h.lru.PushFront(&cached{id: d.ID, name: d.Name, srv: srv})
	for h.lru.Len() > h.cacheSize {
		old := h.lru.Back()
		h.lru.Remove(old)
		delete(h.servers, old.Value.(*cached).id)
	}
	return srv, nil
}

// evict drops the cached Server of directory id.
func (h *Handler) evict(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if el, ok := h.servers[id]; ok {
		h.lru.Remove(el)
		delete(h.servers, id)
	}
}

// splitPath splits "/acme/v2/Users/1" into "acme" and "/Users/1".
func splitPath(p string) (name, rest string, ok bool) {
	p = strings.TrimPrefix(p, "/")
	name, rest, _ = strings.Cut(p, "/")
	if name == "" || !strings.HasPrefix(rest, "v2") || (len(rest) > 2 && rest[2] != '/') {
		return "", "", false
	}
	return normalizeName(name), rest[2:], true
}

var errUnauthorized = scim.NewError(http.StatusUnauthorized, "", "a valid bearer token for this directory is required")

// ServeHTTP resolves the directory the URL names, authenticates the bearer
// token against that directory's tokens and serves the request with the
// directory's Server. An unknown directory and a wrong token get the same
// 401, so that the answer does not reveal which directories exist.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	name, rest, ok := splitPath(r.URL.Path)
	if !ok {
		writeError(w, scim.NewError(http.StatusNotFound, "", "no SCIM endpoint at "+r.URL.Path+": directories are served at /{directory}/v2/"))
		return
	}
	d, tok, err := h.authenticate(r, name)
	if err != nil {
		var e *scim.Error
		if !errors.As(err, &e) || e.Status() != http.StatusUnauthorized {
			h.logger.ErrorContext(r.Context(), "directory: authenticating a request", "directory", name, "error", err)
			writeError(w, scim.NewError(http.StatusInternalServerError, "", "internal server error"))
			return
		}
		if r.ContentLength != 0 {
			// Answer at once, as the single-directory Server does: an
			// unauthenticated client must not hold the connection while
			// net/http drains its body.
			w.Header().Set("Connection", "close")
		}
		writeError(w, errUnauthorized)
		h.logRefused(r, name, rest, start)
		if h.tel != nil {
			h.tel.end(r.Context(), nil, "", r.Method, rest, http.StatusUnauthorized, nil, "", h.now().Sub(start))
		}
		return
	}
	h.touch(tok)
	srv, err := h.server(r.Context(), d)
	if err != nil {
		h.logger.ErrorContext(r.Context(), "directory: opening a directory's stores", "directory", d.ID, "error", err)
		writeError(w, scim.NewError(http.StatusInternalServerError, "", "internal server error"))
		return
	}
	ctx := NewContext(r.Context(), d)
	ctx = context.WithValue(ctx, principalKey{}, Principal{Directory: d, TokenID: tok.ID, TokenLabel: tok.Label})
	var span trace.Span
	telOn := false
	if h.tel != nil {
		if h.tel.tracing() {
			ctx, span = h.tel.start(ctx, r, d, rest)
			defer span.End()
		}
		telOn = (span != nil && span.IsRecording()) || h.tel.metricsOn(ctx)
	}
	r2 := r.WithContext(ctx)
	u := *r.URL
	u.Path = rest
	if u.RawPath != "" {
		// The escaped path begins with the name as the client spelled it:
		// drop its first two segments.
		_, after, _ := strings.Cut(strings.TrimPrefix(u.RawPath, "/"), "/")
		u.RawPath = strings.TrimPrefix(after, "v2")
	}
	r2.URL = &u
	if h.log == nil && !telOn {
		srv.ServeHTTP(w, r2)
		return
	}
	var reqBody *capture
	if h.log != nil && r.Body != nil && r.Body != http.NoBody {
		reqBody = &capture{rc: r.Body, limit: h.bodyLimit}
		r2.Body = reqBody
	}
	limit := telemetryBodyLimit
	if h.log != nil {
		limit = h.bodyLimit
	}
	rec := &recorder{ResponseWriter: w, limit: limit}
	srv.ServeHTTP(rec, r2)
	if telOn {
		resID := resourceID(rest)
		if resID == "" && rec.location != "" {
			resID = lastSegment(rec.location)
		}
		h.tel.end(ctx, span, d.Name, r.Method, rest, rec.status(), rec.body, resID, h.now().Sub(start))
	}
	if h.log == nil {
		return
	}
	p := &pendingEntry{Entry: Entry{DirectoryID: d.ID, Time: start, Duration: h.now().Sub(start),
		Method: r.Method, Path: pathWithQuery(rest, r.URL.RawQuery), Status: rec.status(),
		UserAgent: r.UserAgent(), TokenID: tok.ID, ResourceID: resourceID(rest)},
		relPath: rest, respBody: rec.body, respTotal: rec.total}
	if reqBody != nil {
		// The Server may stop reading at an error: the note says how long
		// the body was, not how much of it was read.
		p.reqBody, p.reqTotal = reqBody.body, max(reqBody.total, r.ContentLength)
	}
	if p.ResourceID == "" && rec.location != "" {
		p.ResourceID = lastSegment(rec.location)
	}
	h.enqueue(job{entry: p})
}

// authenticate returns the directory named name and the token of the
// request, when the token is one of that directory's.
func (h *Handler) authenticate(r *http.Request, name string) (Directory, Token, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Directory{}, Token{}, errUnauthorized
	}
	token = strings.TrimSpace(token)
	id, ok := tokenID(token)
	if !ok {
		return Directory{}, Token{}, errUnauthorized
	}
	d, tok, err := h.reg.LookupToken(r.Context(), name, id)
	switch {
	case errors.Is(err, scim.ErrNotFound):
		return Directory{}, Token{}, errUnauthorized
	case err != nil:
		return Directory{}, Token{}, err
	}
	if !tokenMatches(token, tok.Hash) {
		return Directory{}, Token{}, errUnauthorized
	}
	return d, tok, nil
}

// logRefused logs a refused request in the log of the directory it named,
// if there is one, so that an administrator sees the 401s an identity
// provider reports. It costs a registry read only on refusals.
func (h *Handler) logRefused(r *http.Request, name, rest string, start time.Time) {
	if h.log == nil {
		return
	}
	d, err := h.reg.DirectoryByName(r.Context(), name)
	if err != nil {
		return
	}
	h.enqueue(job{entry: &pendingEntry{Entry: Entry{DirectoryID: d.ID, Time: start, Duration: h.now().Sub(start),
		Method: r.Method, Path: pathWithQuery(rest, r.URL.RawQuery), Status: http.StatusUnauthorized,
		UserAgent: r.UserAgent(), ResourceID: resourceID(rest)}, relPath: rest}})
}

// touch queues a write of the token's LastUsed when the last one is older
// than the interval; it never blocks.
func (h *Handler) touch(t Token) {
	now := h.now()
	if now.Sub(t.LastUsed) < h.touchEvery {
		return
	}
	h.touchMu.Lock()
	last, ok := h.touched[t.ID]
	if ok && now.Sub(last) < h.touchEvery {
		h.touchMu.Unlock()
		return
	}
	h.touched[t.ID] = now
	h.touchMu.Unlock()
	select {
	case h.queue <- job{touchID: t.ID, touchAt: now}:
	default:
	}
}

// enqueue hands j to the background writer, or drops and counts it when
// the buffer is full.
func (h *Handler) enqueue(j job) {
	select {
	case h.queue <- j:
	default:
		h.dropped.Add(1)
	}
}

// write is the background writer.
func (h *Handler) write() {
	defer close(h.done)
	for {
		select {
		case j := <-h.queue:
			h.do(j)
		case <-h.stop:
			for {
				select {
				case j := <-h.queue:
					h.do(j)
				default:
					return
				}
			}
		}
	}
}

func (h *Handler) do(j job) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	switch {
	case j.flushed != nil:
		close(j.flushed)
	case j.touchID != "":
		if err := h.reg.TouchToken(ctx, j.touchID, j.touchAt); err != nil {
			h.logger.Warn("directory: recording a token's last use", "token", j.touchID, "error", err)
		}
	case j.entry != nil:
		e := h.finish(j.entry)
		if err := h.log.Append(ctx, e); err != nil {
			h.logger.Warn("directory: appending to the request log", "directory", e.DirectoryID, "error", err)
		}
	}
}

// finish redacts a captured request into its log entry.
func (h *Handler) finish(p *pendingEntry) Entry {
	e := p.Entry
	e.RequestBody, _ = h.red.body(p.relPath, p.reqBody, p.reqTotal)
	e.ResponseBody, _ = h.red.body(p.relPath, p.respBody, p.respTotal)
	if e.Status >= 400 && int64(len(p.respBody)) == p.respTotal {
		var doc struct{ ScimType string }
		if json.Unmarshal(p.respBody, &doc) == nil {
			e.ScimType = doc.ScimType
		}
	}
	return e
}

// resourceID returns the id of "/Users/{id}", or "".
func resourceID(rest string) string {
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	if len(parts) != 2 || parts[1] == "" || strings.HasPrefix(parts[1], ".") {
		return ""
	}
	switch strings.ToLower(parts[0]) {
	case "schemas", "resourcetypes":
		return ""
	}
	return parts[1]
}

// lastSegment returns the unescaped last segment of a Location URL.
func lastSegment(loc string) string {
	seg := loc[strings.LastIndexByte(loc, '/')+1:]
	if s, err := url.PathUnescape(seg); err == nil {
		return s
	}
	return seg
}

func pathWithQuery(p, q string) string {
	if p == "" {
		p = "/"
	}
	if q == "" {
		return p
	}
	return p + "?" + q
}

// writeError writes e as a SCIM error response.
func writeError(w http.ResponseWriter, e *scim.Error) {
	h := w.Header()
	if e.Status() == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="SCIM"`)
	}
	body := `{"schemas":["` + scim.ErrorSchemaURN + `"],"status":"` + strconv.Itoa(e.Status()) + `","detail":` + strconv.Quote(e.Detail) + "}\n"
	h.Set("Content-Type", scim.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status())
	_, _ = io.WriteString(w, body)
}

// capture reads a request body, keeping its first limit bytes.
type capture struct {
	rc    io.ReadCloser
	limit int
	body  []byte
	total int64
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.total += int64(n)
	if room := c.limit - len(c.body); room > 0 && n > 0 {
		c.body = append(c.body, p[:min(n, room)]...)
	}
	return n, err
}

func (c *capture) Close() error { return c.rc.Close() }

// recorder passes a response through, keeping its status and the first
// limit bytes of its body.
type recorder struct {
	http.ResponseWriter
	limit    int
	code     int
	location string
	body     []byte
	total    int64
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
		r.location = r.Header().Get("Location")
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	r.total += int64(len(p))
	if room := r.limit - len(r.body); room > 0 {
		r.body = append(r.body, p[:min(len(p), room)]...)
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}
