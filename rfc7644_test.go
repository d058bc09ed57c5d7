package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

const (
	searchURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	bulkURN   = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
)

func TestSearch(t *testing.T) {
	c := newClient(t)
	for _, n := range []string{"alice", "bob", "carol"} {
		c.createUser(n)
	}
	c.do("POST", "/Groups", map[string]any{"schemas": []any{schema.GroupSchemaURN}, "displayName": "Bobcats"})

	r := c.do("POST", "/Users/.search", map[string]any{
		"schemas": []any{searchURN}, "filter": `userName co "o"`, "attributes": []any{"userName"},
		"sortBy": "userName", "sortOrder": "descending", "startIndex": 1, "count": 1,
	})
	require.Equal(t, http.StatusOK, r.status, "body: %v", r.body)
	assert.EqualValues(t, 2, r.body["totalResults"])
	resources := r.body["Resources"].([]any)
	require.Len(t, resources, 1)
	assert.Equal(t, "carol", resources[0].(map[string]any)["userName"])
	assert.NotContains(t, resources[0], "active", "attributes is honoured")

	all := c.do("POST", "/.search", map[string]any{"schemas": []any{searchURN}, "filter": `userName sw "b" or displayName sw "b"`})
	require.Equal(t, http.StatusOK, all.status, "body: %v", all.body)
	assert.EqualValues(t, 2, all.body["totalResults"], "a user and a group")
	page := c.do("POST", "/.search", map[string]any{"schemas": []any{searchURN}, "startIndex": 3, "count": 2})
	assert.EqualValues(t, 4, page.body["totalResults"])
	got := page.body["Resources"].([]any)
	require.Len(t, got, 2, "the page spans both resource types")
	assert.Equal(t, "carol", got[0].(map[string]any)["userName"])
	assert.Equal(t, "Bobcats", got[1].(map[string]any)["displayName"])

	requireError(t, c.do("POST", "/Users/.search", map[string]any{"filter": "userName pr"}), http.StatusBadRequest, "invalidSyntax")
	requireError(t, c.do("POST", "/Users/.search", map[string]any{"schemas": []any{searchURN}, "filter": "userName eq"}), http.StatusBadRequest, "invalidFilter")
}

func TestBulk(t *testing.T) {
	c := newClient(t, scim.WithBulk(10))
	t.Run("a group refers to a user created in the same request", func(t *testing.T) {
		r := c.do("POST", "/Bulk", map[string]any{
			"schemas": []any{bulkURN},
			"Operations": []any{
				// The group comes first: references resolve in any order.
				map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g1", "data": map[string]any{
					"schemas": []any{schema.GroupSchemaURN}, "displayName": "Tour Guides",
					"members": []any{map[string]any{"type": "User", "value": "bulkId:u1"}}}},
				map[string]any{"method": "POST", "path": "/Users", "bulkId": "u1", "data": user("bulk-user")},
				map[string]any{"method": "PATCH", "path": "/Users/bulkId:u1", "data": map[string]any{
					"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}},
			},
		})
		require.Equal(t, http.StatusOK, r.status, "body: %v", r.body)
		assert.Equal(t, []any{"urn:ietf:params:scim:api:messages:2.0:BulkResponse"}, r.body["schemas"])
		ops := r.body["Operations"].([]any)
		require.Len(t, ops, 3)
		group, usr, patched := ops[0].(map[string]any), ops[1].(map[string]any), ops[2].(map[string]any)
		assert.Equal(t, "201", group["status"])
		assert.Equal(t, "201", usr["status"])
		assert.Equal(t, "200", patched["status"])
		assert.Equal(t, "g1", group["bulkId"])
		assert.NotEmpty(t, usr["version"])
		loc := usr["location"].(string)
		require.Contains(t, loc, c.base+"/Users/")
		uid := loc[len(c.base+"/Users/"):]
		u := c.do("GET", "/Users/"+uid, nil)
		assert.Equal(t, false, u.body["active"])
		require.Len(t, u.body["groups"], 1, "the group lists the user by its new id")
	})
	t.Run("circular references fail with 409", func(t *testing.T) {
		r := c.do("POST", "/Bulk", map[string]any{
			"schemas": []any{bulkURN},
			"Operations": []any{
				map[string]any{"method": "POST", "path": "/Groups", "bulkId": "a", "data": map[string]any{
					"schemas": []any{schema.GroupSchemaURN}, "displayName": "A", "members": []any{map[string]any{"value": "bulkId:b"}}}},
				map[string]any{"method": "POST", "path": "/Groups", "bulkId": "b", "data": map[string]any{
					"schemas": []any{schema.GroupSchemaURN}, "displayName": "B", "members": []any{map[string]any{"value": "bulkId:a"}}}},
				map[string]any{"method": "POST", "path": "/Groups", "bulkId": "c", "data": map[string]any{
					"schemas": []any{schema.GroupSchemaURN}, "displayName": "C", "members": []any{map[string]any{"value": "bulkId:nope"}}}},
			},
		})
		require.Equal(t, http.StatusOK, r.status)
		ops := r.body["Operations"].([]any)
		require.Len(t, ops, 3)
		for _, op := range ops {
			assert.Equal(t, "409", op.(map[string]any)["status"])
			resp := op.(map[string]any)["response"].(map[string]any)
			assert.Equal(t, "409", resp["status"])
		}
		list := c.do("GET", "/Groups?filter="+urlQuery(`displayName eq "A"`), nil)
		assert.EqualValues(t, 0, list.body["totalResults"], "nothing of the cycle was created")
	})
	t.Run("failOnErrors stops processing", func(t *testing.T) {
		r := c.do("POST", "/Bulk", map[string]any{
			"schemas": []any{bulkURN}, "failOnErrors": 1,
			"Operations": []any{
				map[string]any{"method": "POST", "path": "/Users", "data": user("bulk-user")},
				map[string]any{"method": "POST", "path": "/Users", "data": user("never-created")},
			},
		})
		ops := r.body["Operations"].([]any)
		require.Len(t, ops, 1)
		assert.Equal(t, "409", ops[0].(map[string]any)["status"])
		assert.Equal(t, "uniqueness", ops[0].(map[string]any)["response"].(map[string]any)["scimType"])
		assert.EqualValues(t, 0, c.do("GET", "/Users?filter="+urlQuery(`userName eq "never-created"`), nil).body["totalResults"])
	})
	t.Run("versions and errors per operation", func(t *testing.T) {
		id := c.createUser("versioned")
		r := c.do("POST", "/Bulk", map[string]any{
			"schemas": []any{bulkURN},
			"Operations": []any{
				map[string]any{"method": "PUT", "path": "/Users/" + id, "version": `W/"99"`, "data": user("versioned")},
				map[string]any{"method": "DELETE", "path": "/Users/" + id},
				map[string]any{"method": "DELETE", "path": "/Nowhere/x"},
			},
		})
		ops := r.body["Operations"].([]any)
		assert.Equal(t, "412", ops[0].(map[string]any)["status"])
		assert.Equal(t, "204", ops[1].(map[string]any)["status"])
		assert.Equal(t, "404", ops[2].(map[string]any)["status"])
	})
	t.Run("limits", func(t *testing.T) {
		ops := make([]any, 11)
		for i := range ops {
			ops[i] = map[string]any{"method": "DELETE", "path": "/Users/x"}
		}
		requireError(t, c.do("POST", "/Bulk", map[string]any{"schemas": []any{bulkURN}, "Operations": ops}), http.StatusRequestEntityTooLarge, "")
		requireError(t, c.do("POST", "/Bulk", map[string]any{"Operations": ops[:1]}), http.StatusBadRequest, "invalidSyntax")
		requireError(t, c.do("POST", "/Bulk", map[string]any{"schemas": []any{bulkURN}, "Operations": []any{map[string]any{"method": "GET", "path": "/Users"}}}), http.StatusBadRequest, "invalidSyntax")
		spc := c.do("GET", "/ServiceProviderConfig", nil)
		assert.Equal(t, map[string]any{"supported": true, "maxOperations": float64(10), "maxPayloadSize": float64(scim.DefaultMaxPayloadSize)}, spc.body["bulk"])
	})
	t.Run("bulk can be turned off", func(t *testing.T) {
		off := newClient(t, scim.WithBulk(0))
		requireError(t, off.do("POST", "/Bulk", map[string]any{"schemas": []any{bulkURN}}), http.StatusNotImplemented, "")
		assert.Equal(t, false, off.do("GET", "/ServiceProviderConfig", nil).body["bulk"].(map[string]any)["supported"])
	})
}

func TestMe(t *testing.T) {
	requireError(t, newClient(t).do("GET", "/Me", nil), http.StatusNotImplemented, "")

	db := memory.New()
	me, err := db.Users().Create(context.Background(), &scim.Resource{Attributes: map[string]any{"userName": "test"}})
	require.NoError(t, err)
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithBearerToken("test", token),
		scim.WithMe(func(ctx context.Context) (string, string, error) {
			principal, _ := scim.PrincipalFromContext(ctx)
			page, err := db.Users().List(ctx, &scim.Query{Count: 1000})
			if err != nil {
				return "", "", err
			}
			for _, r := range page.Resources {
				if r.Attributes["userName"] == principal {
					return "User", r.ID, nil
				}
			}
			return "", "", scim.ErrNotFound
		}))
	require.NoError(t, err)
	c := serve(t, srv)
	got := c.do("GET", "/Me", nil)
	require.Equal(t, http.StatusOK, got.status, "body: %v", got.body)
	assert.Equal(t, me.ID, got.body["id"])
	assert.Equal(t, c.base+"/Users/"+me.ID, got.body["meta"].(map[string]any)["location"])
	patched := c.do("PATCH", "/Me", map[string]any{
		"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "add", "path": "nickName", "value": "Me"}},
	})
	require.Equal(t, http.StatusOK, patched.status)
	assert.Equal(t, "Me", patched.body["nickName"])
	requireError(t, c.do("POST", "/Me", user("x")), http.StatusMethodNotAllowed, "")
}

func TestCursorPagination(t *testing.T) {
	db := memory.New()
	ctx := context.Background()
	const existing = 10000
	before := map[string]bool{}
	for i := 0; i < existing; i++ {
		r, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprintf("u%05d", i)}})
		require.NoError(t, err)
		before[r.ID] = true
	}
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()), scim.WithBearerToken("test", token), scim.WithMaxResults(500))
	require.NoError(t, err)
	c := serve(t, srv)

	// Users are created while the client pages.
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			_, err := db.Users().Create(ctx, &scim.Resource{Attributes: map[string]any{"userName": fmt.Sprintf("new%05d", i)}})
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	seen := map[string]int{}
	cursor := ""
	pages := 0
	for {
		r := c.do("GET", "/Users?count=500&attributes=userName&cursor="+cursor, nil)
		require.Equal(t, http.StatusOK, r.status, "body: %v", r.body)
		assert.NotContains(t, r.body, "startIndex")
		for _, res := range r.body["Resources"].([]any) {
			seen[res.(map[string]any)["id"].(string)]++
		}
		pages++
		next, ok := r.body["nextCursor"].(string)
		if !ok || pages > 1000 {
			break
		}
		cursor = next
		if pages == 10 {
			stop.Store(true)
		}
	}
	stop.Store(true)
	wg.Wait()
	for id := range before {
		assert.Equal(t, 1, seen[id], "user %s seen once", id)
	}
	for id, n := range seen {
		require.Equal(t, 1, n, "no user is seen twice: %s", id)
	}

	t.Run("errors", func(t *testing.T) {
		requireError(t, c.do("GET", "/Users?cursor=bogus", nil), http.StatusBadRequest, scim.InvalidCursor)
		first := c.do("GET", "/Users?count=1&cursor=", nil)
		next := first.body["nextCursor"].(string)
		requireError(t, c.do("GET", "/Users?count=1&filter=userName%20pr&cursor="+next, nil), http.StatusBadRequest, scim.InvalidCursor)
		requireError(t, c.do("GET", "/Users?count=1&startIndex=2&cursor="+next, nil), http.StatusBadRequest, "invalidValue")
		requireError(t, c.do("GET", "/Users?sortBy=userName&cursor=", nil), http.StatusBadRequest, "invalidValue")
		tampered := next[:len(next)-2] + "AA"
		requireError(t, c.do("GET", "/Users?count=1&cursor="+tampered, nil), http.StatusBadRequest, scim.InvalidCursor)
	})
	t.Run("expiry", func(t *testing.T) {
		var elapsed atomic.Int64                  // seconds the test clock moved on
		start := time.Now().Truncate(time.Second) // cursors keep whole seconds
		clock := func() time.Time { return start.Add(time.Duration(elapsed.Load()) * time.Second) }
		short, err := scim.New(scim.WithUsers(db.Users()), scim.WithoutAuthentication(),
			scim.WithCursorTimeout(time.Minute), scim.WithClock(clock))
		require.NoError(t, err)
		sc := serve(t, short)
		next := sc.do("GET", "/Users?count=1&cursor=", nil).body["nextCursor"].(string)
		elapsed.Store(60)
		assert.Equal(t, http.StatusOK, sc.do("GET", "/Users?count=1&cursor="+next, nil).status, "valid up to the timeout")
		elapsed.Store(61)
		requireError(t, sc.do("GET", "/Users?count=1&cursor="+next, nil), http.StatusBadRequest, scim.ExpiredCursor)
	})
	t.Run("advertised", func(t *testing.T) {
		p := c.do("GET", "/ServiceProviderConfig", nil).body["pagination"].(map[string]any)
		assert.Equal(t, true, p["cursor"])
		assert.Equal(t, true, p["index"])
		assert.EqualValues(t, 500, p["maxPageSize"])
		assert.EqualValues(t, 3600, p["cursorTimeout"])
	})
}
