package directory_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestTokensAreHashedAtRest(t *testing.T) {
	e := newEnv(t)
	d, token := e.dir(t, "acme")
	require.True(t, strings.HasPrefix(token, directory.TokenPrefix), token)
	_, secret, ok := strings.Cut(strings.TrimPrefix(token, directory.TokenPrefix), ".")
	require.True(t, ok)
	require.Len(t, secret, 43, "32 random bytes")

	list, err := e.h.Tokens(context.Background(), d.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, [32]byte(sha256.Sum256([]byte(token))), list[0].Hash)
	dump := fmt.Sprintf("%#v %+v", e.reg, list)
	assert.NotContains(t, dump, secret, "the registry never holds the token")
	assert.NotContains(t, dump, token)

	assert.Equal(t, 200, e.do("GET", "/scim/acme/v2/Users", token, "").status)
	e.flush(t)
	entries, err := e.h.QueryLog(context.Background(), d.ID, directory.LogQuery{})
	require.NoError(t, err)
	assert.NotContains(t, fmt.Sprintf("%+v", entries), secret, "nor does the log")
}

func TestTokenChecks(t *testing.T) {
	e := newEnv(t)
	_, token := e.dir(t, "acme")
	id := strings.TrimPrefix(token, directory.TokenPrefix)[:16]
	flip := func(i int) string {
		b := []byte(token)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name, header string
		status       int
	}{
		{"the token", "Bearer " + token, 200},
		{"scheme in any case", "bearer " + token, 200},
		{"last byte of the secret changed", "Bearer " + flip(len(token)-1), 401},
		{"first byte of the secret changed", "Bearer " + flip(len(directory.TokenPrefix)+17), 401},
		{"the id alone", "Bearer " + directory.TokenPrefix + id, 401},
		{"a longer token", "Bearer " + token + "x", 401},
		{"basic auth", "Basic " + token, 401},
		{"empty", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest("GET", "/scim/acme/v2/Users", "")
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			assert.Equal(t, tt.status, serve(e, req).Code)
		})
	}
}

func TestTokenRotationWithOverlapAndRevocation(t *testing.T) {
	e := newEnv(t)
	d, old := e.dir(t, "acme")
	ctx := context.Background()
	fresh, rec, err := e.h.CreateToken(ctx, d.ID, "entra 2026")
	require.NoError(t, err)
	assert.NotEqual(t, old, fresh)
	get := func(token string) int { return e.do("GET", "/scim/acme/v2/Users", token, "").status }
	assert.Equal(t, 200, get(old), "the old token works until it is revoked")
	assert.Equal(t, 200, get(fresh), "the new token works at once")

	list, err := e.h.Tokens(ctx, d.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "entra 2026", list[1].Label)
	assert.Equal(t, rec.ID, list[1].ID)

	require.NoError(t, e.h.RevokeToken(ctx, d.ID, list[0].ID))
	assert.Equal(t, 401, get(old), "a revoked token is refused on the next request")
	assert.Equal(t, 200, get(fresh))
	assert.ErrorIs(t, e.h.RevokeToken(ctx, d.ID, list[0].ID), scim.ErrNotFound)

	// A second instance sharing the registry sees the revocation on its
	// next request: nothing positive is cached.
	other, err := directory.New(e.reg, e.be, directory.WithLogger(quiet()), directory.WithServerOptions(scim.WithLogger(quiet())))
	require.NoError(t, err)
	defer other.Close()
	req := newRequest("GET", "/acme/v2/Users", fresh)
	require.Equal(t, 200, serveWith(other, req).Code)
	require.NoError(t, e.h.RevokeToken(ctx, d.ID, rec.ID))
	assert.Equal(t, 401, serveWith(other, newRequest("GET", "/acme/v2/Users", fresh)).Code)
}

func TestTokenLastUsedIsWrittenAtMostOncePerInterval(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, directory.WithClock(c.now), directory.WithLastUsedInterval(time.Minute))
	d, token := e.dir(t, "acme")
	lastUsed := func() time.Time {
		e.flush(t)
		list, err := e.h.Tokens(context.Background(), d.ID)
		require.NoError(t, err)
		return list[0].LastUsed
	}
	assert.True(t, lastUsed().IsZero(), "never used")
	created := c.now()
	e.do("GET", "/scim/acme/v2/Users", token, "")
	assert.Equal(t, created, lastUsed())
	c.add(30 * time.Second)
	e.do("GET", "/scim/acme/v2/Users", token, "")
	assert.Equal(t, created, lastUsed(), "not written again within the interval")
	c.add(31 * time.Second)
	e.do("GET", "/scim/acme/v2/Users", token, "")
	assert.Equal(t, created.Add(61*time.Second), lastUsed())
}

func TestDirectoryLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d, token := e.dir(t, "acme")
	res := e.do("POST", "/scim/acme/v2/Users", token, userBody("bjensen"))
	require.Equal(t, 201, res.status, res.raw)
	assert.Contains(t, res.header.Get("Location"), "/scim/acme/v2/Users/")

	require.NoError(t, e.h.RenameDirectory(ctx, d.ID, "acme-corp"))
	assert.Equal(t, 401, e.do("GET", "/scim/acme/v2/Users", token, "").status, "the old URL stops working")
	res = e.do("GET", "/scim/acme-corp/v2/Users", token, "")
	assert.Equal(t, 200, res.status, "the token and the data follow the directory")
	assert.Equal(t, "1", fmt.Sprint(res.body["totalResults"]))
	assert.Contains(t, res.raw, "/scim/acme-corp/v2/Users/", "locations use the new name")

	list, err := e.h.Directories(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "acme-corp", list[0].Name)

	require.NoError(t, e.h.DeleteDirectory(ctx, d.ID))
	assert.Equal(t, 401, e.do("GET", "/scim/acme-corp/v2/Users", token, "").status)
	_, err = e.h.QueryLog(ctx, d.ID, directory.LogQuery{})
	assert.ErrorIs(t, err, scim.ErrNotFound)
	entries, err := e.log.Query(ctx, d.ID, directory.LogQuery{})
	require.NoError(t, err)
	assert.Empty(t, entries, "the log is deleted with the directory")

	_, token2 := e.dir(t, "acme-corp")
	res = e.do("GET", "/scim/acme-corp/v2/Users", token2, "")
	assert.Equal(t, "0", fmt.Sprint(res.body["totalResults"]), "a new directory of the same name starts empty")
	assert.ErrorIs(t, e.h.DeleteDirectory(ctx, d.ID), scim.ErrNotFound)
}

func TestDirectoryNames(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		ok   bool
	}{
		{"acme", true}, {"acme-corp", true}, {"a1", true}, {"x", true},
		{"", false}, {"Acme", false}, {"-acme", false}, {"acme-", false}, {"acme_corp", false},
		{"acme.corp", false}, {"ac/me", false}, {"ac me", false}, {"é", false},
		{"v2", false}, {"v10", false}, {"users", false}, {"admin", false}, {"scim", false},
		{"me", false}, {"bulk", false}, {"default", false}, {strings.Repeat("a", 64), false},
		{strings.Repeat("a", 63), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.h.CreateDirectory(context.Background(), tt.name)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			var se *scim.Error
			if assert.ErrorAs(t, err, &se) {
				assert.Equal(t, 400, se.Status())
				assert.Equal(t, "invalidValue", se.ScimType())
			}
		})
	}
	_, err := e.h.CreateDirectory(context.Background(), "acme")
	assert.ErrorIs(t, err, scim.ErrConflict)
}

// movingBackend places directories on one of two memory backends, as a
// host with two databases does.
type movingBackend struct {
	mu    sync.Mutex
	where map[string]*directory.MemoryBackend
	def   *directory.MemoryBackend
}

func (m *movingBackend) of(id string) *directory.MemoryBackend {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.where[id]; ok {
		return b
	}
	return m.def
}

func (m *movingBackend) Stores(ctx context.Context, id string) (scim.ResourceStore, scim.ResourceStore, error) {
	return m.of(id).Stores(ctx, id)
}

func (m *movingBackend) DeleteData(ctx context.Context, id string) error {
	return m.of(id).DeleteData(ctx, id)
}

func TestReloadAsksTheBackendAgain(t *testing.T) {
	first, second := directory.NewMemoryBackend(), directory.NewMemoryBackend()
	be := &movingBackend{where: map[string]*directory.MemoryBackend{}, def: first}
	reg := directory.NewMemoryRegistry()
	h, err := directory.New(reg, be, directory.WithLogger(quiet()), directory.WithServerOptions(scim.WithLogger(quiet())))
	require.NoError(t, err)
	defer h.Close()
	d, err := h.CreateDirectory(context.Background(), "acme")
	require.NoError(t, err)
	token, _, err := h.CreateToken(context.Background(), d.ID, "")
	require.NoError(t, err)
	count := func() string {
		res := serveWith(h, newRequest("GET", "/acme/v2/Users", token))
		require.Equal(t, 200, res.Code)
		var body map[string]any
		require.NoError(t, json.Unmarshal(res.Body.Bytes(), &body))
		return fmt.Sprint(body["totalResults"])
	}
	users, _, err := first.Stores(context.Background(), d.ID)
	require.NoError(t, err)
	_, err = users.Create(context.Background(), &scim.Resource{Attributes: map[string]any{"userName": "bjensen"}})
	require.NoError(t, err)
	assert.Equal(t, "1", count())

	be.mu.Lock()
	be.where[d.ID] = second
	be.mu.Unlock()
	assert.Equal(t, "1", count(), "the built server is kept")
	h.Reload(d.ID)
	assert.Equal(t, "0", count(), "after Reload the directory is served from where the Backend now places it")
}

func TestRefusalsAnswerAtOnce(t *testing.T) {
	e := newEnv(t)
	_, token := e.dir(t, "acme")
	tests := []struct {
		name, path, token, body string
		status                  int
		close                   bool
	}{
		{"wrong token with a body closes the connection", "/scim/acme/v2/Users", "scimdir_x", userBody("x"), 401, true},
		{"wrong token without a body", "/scim/acme/v2/Users", "scimdir_x", "", 401, false},
		{"name spelled with escapes and capitals", "/scim/Ac%6De/v2/Users", token, "", 200, false},
		{"escaped name and an escaped id reach the resource route", "/scim/Ac%6De/v2/Users/a%2Fb", token, "", 404, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := "GET"
			if tt.body != "" {
				method = "POST"
			}
			res := e.do(method, tt.path, tt.token, tt.body)
			assert.Equal(t, tt.status, res.status, res.raw)
			assert.Equal(t, tt.close, res.header.Get("Connection") == "close")
			assert.Equal(t, scim.ContentType, res.header.Get("Content-Type"))
			assert.NotContains(t, str(res.body["detail"]), "no SCIM endpoint", "the id is routed as one path segment")
		})
	}
}

// countingBackend counts how often a directory's stores are opened.
type countingBackend struct {
	*directory.MemoryBackend
	mu    sync.Mutex
	opens int
}

func (c *countingBackend) Stores(ctx context.Context, id string) (scim.ResourceStore, scim.ResourceStore, error) {
	c.mu.Lock()
	c.opens++
	c.mu.Unlock()
	return c.MemoryBackend.Stores(ctx, id)
}

func TestServersAreBuiltOncePerDirectory(t *testing.T) {
	be := &countingBackend{MemoryBackend: directory.NewMemoryBackend()}
	h, err := directory.New(directory.NewMemoryRegistry(), be, directory.WithLogger(quiet()),
		directory.WithServerCacheSize(2), directory.WithServerOptions(scim.WithLogger(quiet())))
	require.NoError(t, err)
	defer h.Close()
	ctx := context.Background()
	tokens := map[string]string{}
	for _, name := range []string{"a1", "a2", "a3"} {
		d, err := h.CreateDirectory(ctx, name)
		require.NoError(t, err)
		tokens[name], _, err = h.CreateToken(ctx, d.ID, "")
		require.NoError(t, err)
	}
	get := func(name string) {
		require.Equal(t, 200, serveWith(h, newRequest("GET", "/"+name+"/v2/Users", tokens[name])).Code)
	}
	opens := func() int { be.mu.Lock(); defer be.mu.Unlock(); return be.opens }
	steps := []struct {
		name  string
		do    func()
		opens int
	}{
		{"first request builds", func() { get("a1") }, 1},
		{"later requests reuse it", func() { get("a1"); get("a1"); get("a1") }, 1},
		{"another directory builds its own", func() { get("a2"); get("a2") }, 2},
		{"a third evicts the least recently used", func() { get("a3"); get("a2") }, 3},
		{"the evicted one is rebuilt", func() { get("a1") }, 4},
		{"a rename rebuilds", func() {
			d, err := h.DirectoryByName(ctx, "a1")
			require.NoError(t, err)
			require.NoError(t, h.RenameDirectory(ctx, d.ID, "b1"))
			tokens["b1"] = tokens["a1"]
			get("b1")
		}, 5},
	}
	for _, s := range steps {
		s.do()
		assert.Equal(t, s.opens, opens(), s.name)
	}
}
