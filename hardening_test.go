package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

const patchURN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

func patchBody(ops ...any) map[string]any {
	return map[string]any{"schemas": []any{patchURN}, "Operations": ops}
}

// TestLimits_PayloadSize sends bodies over WithMaxPayloadSize to every
// endpoint that reads one: each is refused with 413 and changes nothing,
// whether the client declares the length or streams the body chunked.
func TestLimits_PayloadSize(t *testing.T) {
	const limit = 2048
	c := newClient(t, scim.WithMaxPayloadSize(limit))
	id := c.createUser("small")
	big := user("big")
	big["displayName"] = strings.Repeat("x", limit)
	tests := []struct {
		method, path string
		body         any
	}{
		{"POST", "/Users", big},
		{"PUT", "/Users/" + id, big},
		{"PATCH", "/Users/" + id, patchBody(map[string]any{"op": "replace", "path": "displayName", "value": strings.Repeat("x", limit)})},
		{"POST", "/Bulk", map[string]any{"schemas": []any{bulkURN}, "Operations": []any{map[string]any{"method": "POST", "path": "/Users", "data": big}}}},
		{"POST", "/Users/.search", map[string]any{"schemas": []any{scim.SearchRequestURN}, "filter": `userName eq "` + strings.Repeat("x", limit) + `"`}},
		{"POST", "/.search", map[string]any{"schemas": []any{scim.SearchRequestURN}, "filter": `userName eq "` + strings.Repeat("x", limit) + `"`}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			requireError(t, c.do(tt.method, tt.path, tt.body), http.StatusRequestEntityTooLarge, "")

			// The same body streamed without a Content-Length.
			data, err := json.Marshal(tt.body)
			require.NoError(t, err)
			pr, pw := io.Pipe()
			go func() {
				_, _ = pw.Write(data)
				pw.Close()
			}()
			req, err := http.NewRequest(tt.method, c.base+tt.path, pr)
			require.NoError(t, err)
			req.Header.Set("Authorization", c.auth)
			req.Header.Set("Content-Type", scim.ContentType)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		})
	}
	list := c.do("GET", "/Users", nil)
	assert.EqualValues(t, 1, list.body["totalResults"], "nothing was created")
	got := c.do("GET", "/Users/"+id, nil)
	assert.NotContains(t, got.body, "displayName", "nothing was changed")

	// A body just under the limit is accepted.
	ok := user("fits")
	data, err := json.Marshal(ok)
	require.NoError(t, err)
	ok["displayName"] = strings.Repeat("y", limit-len(data)-len(`,"displayName":""`))
	data, err = json.Marshal(ok)
	require.NoError(t, err)
	require.LessOrEqual(t, len(data), limit)
	assert.Equal(t, http.StatusCreated, c.do("POST", "/Users", ok).status)
	assert.Equal(t, float64(limit), c.do("GET", "/ServiceProviderConfig", nil).body["bulk"].(map[string]any)["maxPayloadSize"])
}

// TestLimits_Filter refuses filters longer or deeper than the configured
// bounds, and than the defaults, in list and search requests and in PATCH
// paths, with 400 invalidFilter.
func TestLimits_Filter(t *testing.T) {
	nested := func(depth int) string {
		return strings.Repeat("(", depth) + `userName eq "a"` + strings.Repeat(")", depth)
	}
	long := func(n int) string { return `userName eq "` + strings.Repeat("a", n) + `"` }
	tests := []struct {
		name     string
		opts     []scim.Option
		ok, fail []string
	}{
		{"configured", []scim.Option{scim.WithFilterOptions(filter.Options{MaxLength: 100, MaxDepth: 3}),
			scim.WithPatchOptions(patch.Options{Filter: filter.Options{MaxLength: 100, MaxDepth: 3}})},
			[]string{long(80), nested(3)}, []string{long(90), nested(4)}},
		{"defaults", nil,
			[]string{long(filter.DefaultMaxLength - 20), nested(filter.DefaultMaxDepth)},
			[]string{long(filter.DefaultMaxLength), nested(filter.DefaultMaxDepth + 1), strings.Repeat("(", 100000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.opts...)
			id := c.createUser("a")
			for _, f := range tt.ok {
				assert.Equal(t, http.StatusOK, c.do("GET", "/Users?filter="+urlQuery(f), nil).status, "filter of %d bytes", len(f))
			}
			for _, f := range tt.fail {
				requireError(t, c.do("GET", "/Users?filter="+urlQuery(f), nil), http.StatusBadRequest, "invalidFilter")
				requireError(t, c.do("POST", "/Users/.search", map[string]any{"schemas": []any{scim.SearchRequestURN}, "filter": f}), http.StatusBadRequest, "invalidFilter")
				r := c.do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "remove", "path": "emails[" + f + "]"}))
				assert.Equal(t, http.StatusBadRequest, r.status, "PATCH path with filter of %d bytes", len(f))
			}
		})
	}
}

// TestLimits_PatchOperations refuses a PATCH with more operations than
// patch.Options.MaxOperations (and the default) with 400 invalidValue,
// changing nothing.
func TestLimits_PatchOperations(t *testing.T) {
	ops := func(n int) []any {
		list := make([]any, n)
		for i := range list {
			list[i] = map[string]any{"op": "replace", "path": "displayName", "value": fmt.Sprint("v", i)}
		}
		return list
	}
	for _, tt := range []struct {
		name string
		opts []scim.Option
		max  int
	}{
		{"configured", []scim.Option{scim.WithPatchOptions(patch.Options{MaxOperations: 3})}, 3},
		{"default", nil, patch.DefaultMaxOperations},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.opts...)
			id := c.createUser("p")
			requireError(t, c.do("PATCH", "/Users/"+id, patchBody(ops(tt.max+1)...)), http.StatusBadRequest, "invalidValue")
			assert.NotContains(t, c.do("GET", "/Users/"+id, nil).body, "displayName", "a refused PATCH changes nothing")
			r := c.do("PATCH", "/Users/"+id, patchBody(ops(tt.max)...))
			require.Equal(t, http.StatusOK, r.status, "body: %v", r.body)
			assert.Equal(t, fmt.Sprint("v", tt.max-1), r.body["displayName"])
		})
	}
}

// TestLimits_BulkOperations refuses a bulk request with more operations
// than WithBulk allows with 413, running none of them.
func TestLimits_BulkOperations(t *testing.T) {
	c := newClient(t, scim.WithBulk(3))
	ops := make([]any, 4)
	for i := range ops {
		ops[i] = map[string]any{"method": "POST", "path": "/Users", "data": user(fmt.Sprint("bulk", i))}
	}
	requireError(t, c.do("POST", "/Bulk", map[string]any{"schemas": []any{bulkURN}, "Operations": ops}), http.StatusRequestEntityTooLarge, "")
	assert.EqualValues(t, 0, c.do("GET", "/Users", nil).body["totalResults"], "no operation ran")
	r := c.do("POST", "/Bulk", map[string]any{"schemas": []any{bulkURN}, "Operations": ops[:3]})
	require.Equal(t, http.StatusOK, r.status)
	assert.Len(t, r.body["Operations"], 3)
}

// TestLimits_BulkReferencesCostLinearTime sends the most expensive shape of
// bulkId references: a chain of operations, each waiting for the next and
// naming it many times, in the worst order. Ten times the operations must
// cost about ten times the time, not a hundred or a thousand (the cube of
// the operations it once cost): the test compares the best of three runs
// at each size, so it asserts growth, not a wall-clock bound.
func TestLimits_BulkReferencesCostLinearTime(t *testing.T) {
	const small, large, refs = 40, 400, 40
	c := newClient(t, scim.WithBulk(large))
	chain := func(n int, prefix string) []byte {
		ops := make([]any, n)
		for i := range ops {
			members := []any{}
			if i < n-1 {
				for j := 0; j < refs; j++ {
					members = append(members, map[string]any{"value": fmt.Sprintf("bulkId:%s%d", prefix, i+1)})
				}
			}
			ops[i] = map[string]any{"method": "POST", "path": "/Groups", "bulkId": fmt.Sprint(prefix, i), "data": map[string]any{
				"schemas": []any{schema.GroupSchemaURN}, "displayName": fmt.Sprint(prefix, i), "members": members}}
		}
		body, err := json.Marshal(map[string]any{"schemas": []any{bulkURN}, "Operations": ops})
		require.NoError(t, err)
		return body
	}
	run := func(n int) time.Duration {
		best := time.Duration(math.MaxInt64)
		for round := 0; round < 3; round++ {
			body := chain(n, fmt.Sprintf("r%dn%d-", round, n)) // new names: no uniqueness conflicts
			req, err := http.NewRequest("POST", c.base+"/Bulk", bytes.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Authorization", c.auth)
			req.Header.Set("Content-Type", scim.ContentType)
			start := time.Now()
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			var doc map[string]any
			err = json.NewDecoder(res.Body).Decode(&doc)
			res.Body.Close()
			best = min(best, time.Since(start))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.StatusCode)
			results := doc["Operations"].([]any)
			require.Len(t, results, n)
			for _, r := range results {
				assert.Equal(t, "201", r.(map[string]any)["status"])
			}
		}
		return best
	}
	ts, tl := run(small), run(large)
	ratio := float64(tl) / float64(ts)
	t.Logf("%d operations: %v; %d operations: %v; ratio %.1f", small, ts, large, tl, ratio)
	assert.Less(t, ratio, 40.0, "ten times the operations must cost about ten times the time")
}

// TestLimits_Count caps count at WithMaxResults and copes with extreme
// paging parameters, in GET, POST .search and the server-wide .search.
func TestLimits_Count(t *testing.T) {
	c := newClient(t, scim.WithMaxResults(5))
	for i := 0; i < 8; i++ {
		c.createUser(fmt.Sprint("u", i))
	}
	tests := []struct {
		query         string
		items, status int
	}{
		{"", 5, http.StatusOK},
		{"count=1000", 5, http.StatusOK},
		{"count=9223372036854775807", 5, http.StatusOK},
		{"count=3", 3, http.StatusOK},
		{"count=0", 0, http.StatusOK},
		{"count=-5", 0, http.StatusOK},
		{"startIndex=9223372036854775807", 0, http.StatusOK},
		{"startIndex=9223372036854775807&count=9223372036854775807", 0, http.StatusOK},
		{"startIndex=-9223372036854775808&count=2", 2, http.StatusOK},
		{"count=99999999999999999999", 0, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := c.do("GET", "/Users?"+tt.query, nil)
			require.Equal(t, tt.status, r.status, "body: %v", r.body)
			if tt.status != http.StatusOK {
				requireError(t, r, tt.status, "invalidValue")
				return
			}
			assert.Len(t, r.body["Resources"], tt.items)
			assert.EqualValues(t, tt.items, r.body["itemsPerPage"])
			assert.EqualValues(t, 8, r.body["totalResults"])
			search := map[string]any{"schemas": []any{scim.SearchRequestURN}}
			for _, kv := range strings.Split(tt.query, "&") {
				if k, v, ok := strings.Cut(kv, "="); ok {
					search[k] = v
				}
			}
			for _, path := range []string{"/Users/.search", "/.search"} {
				s := c.do("POST", path, search)
				require.Equal(t, http.StatusOK, s.status, "%s: %v", path, s.body)
				assert.Len(t, s.body["Resources"], tt.items, path)
			}
		})
	}
}

// panickyStore panics in every method with a message that must not reach
// the client.
type panickyStore struct{ scim.ResourceStore }

const internalSecret = "postgres://scim:hunter2@db.internal:5432/directory"

func (panickyStore) Create(context.Context, *scim.Resource) (*scim.Resource, error) {
	panic("connection to " + internalSecret + " lost")
}

func (panickyStore) Get(context.Context, string, schema.Projection) (*scim.Resource, error) {
	panic(errors.New("dial " + internalSecret + ": refused"))
}

func (panickyStore) List(context.Context, *scim.Query) (*scim.Page, error) {
	panic(fmt.Sprintf("listing from %s", internalSecret))
}

// erringStore fails every call with an internal error whose text must not
// reach the client.
type erringStore struct{}

var errInternal = errors.New("pq: password authentication failed for " + internalSecret)

func (erringStore) Create(context.Context, *scim.Resource) (*scim.Resource, error) {
	return nil, fmt.Errorf("inserting: %w", errInternal)
}
func (erringStore) Get(context.Context, string, schema.Projection) (*scim.Resource, error) {
	return nil, errInternal
}
func (erringStore) Replace(context.Context, *scim.Resource, string) (*scim.Resource, error) {
	return nil, errInternal
}
func (erringStore) Delete(context.Context, string, string) error { return errInternal }
func (erringStore) List(context.Context, *scim.Query) (*scim.Page, error) {
	return nil, errInternal
}

// TestInternalFailuresAreLoggedNotSent runs every kind of request against a
// store that panics and one that fails with a secret-looking error: the
// client gets a SCIM 500 with a generic detail, the log gets the cause.
func TestInternalFailuresAreLoggedNotSent(t *testing.T) {
	for _, tt := range []struct {
		name  string
		store scim.ResourceStore
		// logged is what the log must contain.
		logged []string
	}{
		{"panic", panickyStore{memory.New().Users()}, []string{"panic", "goroutine"}},
		{"error", erringStore{}, []string{internalSecret}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			srv, err := scim.New(scim.WithUsers(tt.store), scim.WithBearerToken("test", token),
				scim.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
			require.NoError(t, err)
			c := serve(t, srv)
			requests := []struct {
				method, path string
				body         any
			}{
				{"POST", "/Users", user("x")},
				{"GET", "/Users/1", nil},
				{"GET", "/Users?filter=" + urlQuery(`userName eq "x"`), nil},
				{"PUT", "/Users/1", user("x")},
				{"PATCH", "/Users/1", patchBody(map[string]any{"op": "replace", "path": "title", "value": "t"})},
				{"POST", "/Users/.search", map[string]any{"schemas": []any{scim.SearchRequestURN}}},
				{"POST", "/.search", map[string]any{"schemas": []any{scim.SearchRequestURN}}},
			}
			if tt.name == "error" {
				requests = append(requests, struct {
					method, path string
					body         any
				}{"DELETE", "/Users/1", nil})
			}
			for _, rq := range requests {
				logs.Reset()
				r := c.do(rq.method, rq.path, rq.body)
				requireError(t, r, http.StatusInternalServerError, "")
				assert.Equal(t, "internal server error", r.body["detail"], "%s %s", rq.method, rq.path)
				assertNotLeaked(t, r.body)
				assert.Contains(t, logs.String(), internalSecret, "%s %s: the log has the cause", rq.method, rq.path)
				for _, want := range tt.logged {
					assert.Contains(t, logs.String(), want, "%s %s: the log has the cause", rq.method, rq.path)
				}
			}

			// In a bulk request the failure, a panic included, is the
			// operation's, and as generic.
			logs.Reset()
			r := c.do("POST", "/Bulk", map[string]any{"schemas": []any{bulkURN}, "Operations": []any{
				map[string]any{"method": "POST", "path": "/Users", "data": user("x")},
				map[string]any{"method": "PUT", "path": "/Users/1", "data": user("x")}}})
			assertNotLeaked(t, r.body)
			assert.Contains(t, logs.String(), internalSecret, "the log has the cause")
			require.Equal(t, http.StatusOK, r.status)
			require.Len(t, r.body["Operations"], 2)
			for _, op := range r.body["Operations"].([]any) {
				op := op.(map[string]any)
				assert.Equal(t, "500", op["status"])
				assert.Equal(t, "internal server error", op["response"].(map[string]any)["detail"])
			}
		})
	}
}

// TestPanicInChangeHook checks that a change hook that panics after the
// store committed does not turn the committed write into an error: every
// write is answered as it would be without the hook, the panic is logged,
// the hooks after it still run, and the Server keeps serving.
func TestPanicInChangeHook(t *testing.T) {
	var logs syncBuffer
	var later sync.Map // kinds the hook registered after the panicking one saw
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithBearerToken("test", token),
		scim.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))),
		scim.WithChangeHook(func(_ context.Context, c scim.Change) {
			panic("hook failed near " + internalSecret)
		}),
		scim.WithChangeHook(func(_ context.Context, c scim.Change) { later.Store(c.Kind, true) }))
	require.NoError(t, err)
	c := serve(t, srv)

	created := c.do("POST", "/Users", user("hooked"))
	require.Equal(t, http.StatusCreated, created.status, "body: %v", created.body)
	id, _ := created.body["id"].(string)
	require.NotEmpty(t, id)
	assert.NotEmpty(t, created.header.Get("Location"))
	tests := []struct {
		name   string
		method string
		body   any
		status int
		kind   scim.ChangeKind
	}{
		{"replace", "PUT", user("hooked2"), http.StatusOK, scim.Replaced},
		{"patch", "PATCH", patchBody(map[string]any{"op": "replace", "path": "displayName", "value": "H"}), http.StatusOK, scim.Patched},
		{"delete", "DELETE", nil, http.StatusNoContent, scim.Deleted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.do(tt.method, "/Users/"+id, tt.body)
			assert.Equal(t, tt.status, r.status, "body: %v", r.body)
			assertNotLeaked(t, r.body)
			_, ran := later.Load(tt.kind)
			assert.True(t, ran, "the next hook still ran")
		})
	}
	_, ran := later.Load(scim.Created)
	assert.True(t, ran, "the next hook still ran")
	assert.Contains(t, logs.String(), internalSecret, "the panic is logged")
	assert.Equal(t, http.StatusNotFound, c.do("GET", "/Users/"+id, nil).status, "the delete was committed")
	assert.Equal(t, http.StatusOK, c.do("GET", "/Users", nil).status, "the server keeps serving")
}

func assertNotLeaked(t *testing.T, body map[string]any) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	for _, secret := range []string{"hunter2", "db.internal", "postgres://", "goroutine", "pq:"} {
		assert.NotContains(t, string(data), secret)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for capturing logs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// concurrentRequests sends n requests at once and returns their statuses
// and bodies.
func concurrentRequests(t *testing.T, n int, send func(i int) (*http.Request, error)) ([]int, []map[string]any) {
	t.Helper()
	statuses := make([]int, n)
	bodies := make([]map[string]any, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, err := send(i)
			if err != nil {
				errs[i] = err
				return
			}
			<-start
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			statuses[i] = res.StatusCode
			errs[i] = json.NewDecoder(res.Body).Decode(&bodies[i])
			if errors.Is(errs[i], io.EOF) {
				errs[i] = nil
			}
		}(i)
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return statuses, bodies
}

func (c *client) request(method, path string, body any, headers ...string) (*http.Request, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Content-Type", scim.ContentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req, nil
}

func countStatuses(statuses []int) map[int]int {
	out := map[int]int{}
	for _, s := range statuses {
		out[s]++
	}
	return out
}

// TestConcurrentHTTP_CreatesOfOneUserName: of 20 simultaneous POSTs of one
// userName, one is created and nineteen are told 409 uniqueness.
func TestConcurrentHTTP_CreatesOfOneUserName(t *testing.T) {
	c := newClient(t)
	statuses, bodies := concurrentRequests(t, 20, func(i int) (*http.Request, error) {
		return c.request("POST", "/Users", user(fmt.Sprintf("Race%c@example.com", "rR"[i%2])))
	})
	assert.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusConflict: 19}, countStatuses(statuses))
	for i, s := range statuses {
		if s == http.StatusConflict {
			assert.Equal(t, "uniqueness", bodies[i]["scimType"])
		}
	}
	assert.EqualValues(t, 1, c.do("GET", "/Users", nil).body["totalResults"])
}

// TestConcurrentHTTP_WritesWithOneIfMatch: of 20 simultaneous PUTs (and
// PATCHes) carrying the same If-Match, one succeeds and nineteen get 412;
// the stored resource is the winner's.
func TestConcurrentHTTP_WritesWithOneIfMatch(t *testing.T) {
	for _, tt := range []struct {
		name   string
		store  func(db *memory.DB) scim.ResourceStore
		method string
		body   func(i int) any
	}{
		{"PUT", func(db *memory.DB) scim.ResourceStore { return db.Users() }, "PUT", func(i int) any {
			u := user("contended")
			u["title"] = fmt.Sprint("writer ", i)
			return u
		}},
		{"PATCH", func(db *memory.DB) scim.ResourceStore { return db.Users() }, "PATCH", func(i int) any {
			return patchBody(map[string]any{"op": "replace", "path": "title", "value": fmt.Sprint("writer ", i)})
		}},
		{"PATCH without Patcher", func(db *memory.DB) scim.ResourceStore { return plainStore{db.Users()} }, "PATCH", func(i int) any {
			return patchBody(map[string]any{"op": "replace", "path": "title", "value": fmt.Sprint("writer ", i)})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := memory.New()
			srv, err := scim.New(scim.WithUsers(tt.store(db)), scim.WithBearerToken("test", token),
				scim.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			require.NoError(t, err)
			c := serve(t, srv)
			created := c.do("POST", "/Users", user("contended"))
			require.Equal(t, http.StatusCreated, created.status)
			id, etag := created.body["id"].(string), created.header.Get("ETag")
			require.NotEmpty(t, etag)
			statuses, bodies := concurrentRequests(t, 20, func(i int) (*http.Request, error) {
				return c.request(tt.method, "/Users/"+id, tt.body(i), "If-Match", etag)
			})
			assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusPreconditionFailed: 19}, countStatuses(statuses))
			for i, s := range statuses {
				if s == http.StatusOK {
					got := c.do("GET", "/Users/"+id, nil)
					assert.Equal(t, fmt.Sprint("writer ", i), got.body["title"], "the stored resource is the winner's")
					assert.Equal(t, bodies[i]["meta"].(map[string]any)["version"], got.header.Get("ETag"))
				}
			}
		})
	}
}

// TestConcurrentHTTP_MemberAddsWithoutIfMatch: 30 simultaneous PATCHes
// without If-Match, each adding a member, all succeed and none is lost,
// with a native Patcher and with the server's read-modify-write.
func TestConcurrentHTTP_MemberAddsWithoutIfMatch(t *testing.T) {
	for _, tt := range []struct {
		name  string
		store func(db *memory.DB) scim.ResourceStore
	}{
		{"Patcher", func(db *memory.DB) scim.ResourceStore { return db.Groups() }},
		{"without Patcher", func(db *memory.DB) scim.ResourceStore { return plainStore{db.Groups()} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := memory.New()
			srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(tt.store(db)), scim.WithBearerToken("test", token),
				scim.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			require.NoError(t, err)
			c := serve(t, srv)
			g := c.do("POST", "/Groups", map[string]any{"schemas": []any{schema.GroupSchemaURN}, "displayName": "Crowd"})
			require.Equal(t, http.StatusCreated, g.status)
			gid := g.body["id"].(string)
			const n = 30
			uids := make([]string, n) // members name users that exist
			for i := range uids {
				u := c.do("POST", "/Users", map[string]any{"schemas": []any{schema.UserSchemaURN}, "userName": fmt.Sprint("member-", i)})
				require.Equal(t, http.StatusCreated, u.status)
				uids[i] = u.body["id"].(string)
			}
			statuses, bodies := concurrentRequests(t, n, func(i int) (*http.Request, error) {
				return c.request("PATCH", "/Groups/"+gid, patchBody(map[string]any{"op": "add", "path": "members",
					"value": []any{map[string]any{"value": uids[i]}}}))
			})
			for i, s := range statuses {
				assert.Contains(t, []int{http.StatusOK, http.StatusNoContent}, s, "request %d: %v", i, bodies[i])
			}
			got := c.do("GET", "/Groups/"+gid, nil)
			assert.Len(t, got.body["members"], n, "no member add is lost")
		})
	}
}

// explodingStore panics on Replace only; creates work.
type explodingStore struct{ scim.ResourceStore }

func (explodingStore) Replace(context.Context, *scim.Resource, string) (*scim.Resource, error) {
	panic("replace failed near " + internalSecret)
}

// TestBulkPanicKeepsCommittedResults: when one bulk operation panics, the
// operations before and after it still report their outcome, so that the
// client learns what was committed.
func TestBulkPanicKeepsCommittedResults(t *testing.T) {
	var logs syncBuffer
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(explodingStore{db.Users()}), scim.WithBearerToken("test", token),
		scim.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	require.NoError(t, err)
	c := serve(t, srv)
	r := c.do("POST", "/Bulk", map[string]any{"schemas": []any{bulkURN}, "Operations": []any{
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "a", "data": user("first")},
		map[string]any{"method": "PUT", "path": "/Users/bulkId:a", "data": user("first")},
		map[string]any{"method": "POST", "path": "/Users", "data": user("second")},
	}})
	require.Equal(t, http.StatusOK, r.status, "body: %v", r.body)
	assertNotLeaked(t, r.body)
	ops := r.body["Operations"].([]any)
	require.Len(t, ops, 3)
	var statuses []any
	for _, op := range ops {
		statuses = append(statuses, op.(map[string]any)["status"])
	}
	assert.Equal(t, []any{"201", "500", "201"}, statuses)
	assert.NotEmpty(t, ops[0].(map[string]any)["location"], "the committed create is reported")
	assert.Contains(t, logs.String(), internalSecret)
	assert.EqualValues(t, 2, c.do("GET", "/Users", nil).body["totalResults"])
}
