package directory_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
	"github.com/scimkit/scim/store/storetest"
)

// The store conformance suite runs in two directories of one backend at
// once: each directory's stores behave as a store of their own.
func TestConformanceInTwoDirectoriesAtOnce(t *testing.T) {
	for kind, open := range storages() {
		t.Run(kind, func(t *testing.T) { conformanceInTwoDirectories(t, newEnvOn(t, open(t))) })
	}
}

func conformanceInTwoDirectories(t *testing.T, e *env) {
	for _, name := range []string{"acme", "bolt"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := 0
			storetest.Run(t, func(t *testing.T) storetest.Stores {
				n++
				d, err := e.h.CreateDirectory(context.Background(), fmt.Sprintf("%s-%d", name, n))
				require.NoError(t, err)
				users, groups, err := e.be.Stores(context.Background(), d.ID)
				require.NoError(t, err)
				return storetest.Stores{Users: users, Groups: groups}
			})
		})
	}
}

// flow is what an identity provider does in one directory: create users
// (with the same userNames in every directory), a group with them, read
// them back by filter and by cursor. It returns the ids it created and
// the problems it saw, for the test goroutine to check.
func flow(e *env, base, token string) (ids []string, cursor string, problems []string) {
	for i := range 3 {
		res := e.do("POST", base+"/Users", token, userBody(fmt.Sprintf("user%d@example.com", i)))
		if res.status != http.StatusCreated {
			problems = append(problems, fmt.Sprintf("create user %d: %d %s", i, res.status, res.raw))
			continue
		}
		ids = append(ids, str(res.body["id"]))
	}
	if len(ids) == 0 {
		return nil, "", problems
	}
	g := e.do("POST", base+"/Groups", token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"staff","members":[{"value":"`+ids[0]+`"}]}`)
	if g.status != http.StatusCreated {
		problems = append(problems, fmt.Sprintf("create group: %d %s", g.status, g.raw))
	}
	res := e.do("GET", base+`/Users?filter=userName+eq+"user1@example.com"`, token, "")
	if res.status != http.StatusOK || fmt.Sprint(res.body["totalResults"]) != "1" {
		problems = append(problems, fmt.Sprintf("filter: %d %s", res.status, res.raw))
	}
	res = e.do("GET", base+"/Users?cursor=&count=1", token, "")
	if res.status != http.StatusOK || str(res.body["nextCursor"]) == "" {
		problems = append(problems, fmt.Sprintf("cursor: %d %s", res.status, res.raw))
	}
	return ids, str(res.body["nextCursor"]), problems
}

func TestIsolationBetweenDirectories(t *testing.T) {
	for kind, open := range storages() {
		t.Run(kind, func(t *testing.T) { isolation(t, open(t)) })
	}
}

func isolation(t *testing.T, st storage) {
	// A host's /Me mapping that (wrongly) names the same user whatever
	// the directory: the directory's own Server must still refuse it.
	var meID struct {
		sync.Mutex
		id string
	}
	type hooked struct{ dir, id string }
	var hooks struct {
		sync.Mutex
		seen []hooked
	}
	e := newEnvOn(t, st, directory.WithServerOptions(
		scim.WithMe(func(ctx context.Context) (string, string, error) {
			meID.Lock()
			defer meID.Unlock()
			return "User", meID.id, nil
		}),
		scim.WithChangeHook(func(ctx context.Context, c scim.Change) {
			d, _ := directory.FromContext(ctx)
			hooks.Lock()
			hooks.seen = append(hooks.seen, hooked{d.Name, c.ID})
			hooks.Unlock()
		}),
	))
	_, tokA := e.dir(t, "acme")
	_, tokB := e.dir(t, "bolt")
	const a, b = "/scim/acme/v2", "/scim/bolt/v2"

	var wg sync.WaitGroup
	var idsA, idsB []string
	var curA string
	var probA, probB []string
	wg.Add(2)
	go func() { defer wg.Done(); idsA, curA, probA = flow(e, a, tokA) }()
	go func() { defer wg.Done(); idsB, _, probB = flow(e, b, tokB) }()
	wg.Wait()
	require.Empty(t, probA, "directory acme")
	require.Empty(t, probB, "directory bolt: the same userNames are free in every directory")
	require.Len(t, idsA, 3)
	require.Len(t, idsB, 3)
	for _, id := range idsA {
		assert.NotContains(t, idsB, id)
	}
	userA := idsA[1]
	meID.Lock()
	meID.id = userA
	meID.Unlock()

	tests := []struct {
		name           string
		method, path   string
		token, body    string
		status         int
		scimType       string
		mustNotContain string
	}{
		{"A's user id on B's URL", "GET", b + "/Users/" + userA, tokB, "", 404, "", userA},
		{"replace A's user from B", "PUT", b + "/Users/" + userA, tokB, userBody("stolen@example.com"), 404, "", ""},
		{"patch A's user from B", "PATCH", b + "/Users/" + userA, tokB,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`, 404, "", ""},
		{"delete A's user from B", "DELETE", b + "/Users/" + userA, tokB, "", 404, "", ""},
		{"filter by A's id on B", "GET", b + `/Users?filter=id+eq+"` + userA + `"`, tokB, "", 200, "", userA},
		{"A's cursor on B", "GET", b + "/Users?count=1&cursor=" + curA, tokB, "", 400, "invalidCursor", ""},
		{"A's user as a member in B", "POST", b + "/Groups", tokB,
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"x","members":[{"value":"` + userA + `"}]}`, 400, "invalidValue", ""},
		{"/Me naming A's user on B", "GET", b + "/Me", tokB, "", 404, "", userA},
		{"A's token on B's URL", "GET", b + "/Users", tokA, "", 401, "", ""},
		{"B's token on A's URL", "GET", a + "/Users/" + userA, tokB, "", 401, "", userA},
		{"unknown directory", "GET", "/scim/nobody/v2/Users", tokA, "", 401, "", ""},
		{"no token", "GET", a + "/Users", "", "", 401, "", ""},
		{"not a library token", "GET", a + "/Users", "s3cret", "", 401, "", ""},
		{"no version segment", "GET", "/scim/acme/Users", tokA, "", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do(tt.method, tt.path, tt.token, tt.body)
			assert.Equal(t, tt.status, res.status, res.raw)
			assert.Equal(t, tt.scimType, str(res.body["scimType"]))
			if tt.mustNotContain != "" && tt.status == 200 {
				assert.Equal(t, "0", fmt.Sprint(res.body["totalResults"]), res.raw)
			}
			if tt.mustNotContain != "" {
				assert.NotContains(t, res.raw, "user1@example.com")
			}
			if tt.status == 401 {
				assert.Equal(t, `Bearer realm="SCIM"`, res.header.Get("WWW-Authenticate"))
				assert.Equal(t, "a valid bearer token for this directory is required", str(res.body["detail"]),
					"every refusal reads the same, so that it does not tell which directories exist")
			}
		})
	}

	t.Run("bulk in B refers to A's bulkId and A's id", func(t *testing.T) {
		res := e.do("POST", a+"/Bulk", tokA, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
			{"method":"POST","path":"/Users","bulkId":"u1","data":{"schemas":["`+userSchema+`"],"userName":"bulk@example.com"}}]}`)
		require.Equal(t, 200, res.status, res.raw)
		res = e.do("POST", b+"/Bulk", tokB, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[
			{"method":"POST","path":"/Groups","bulkId":"g1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g1","members":[{"value":"bulkId:u1"}]}},
			{"method":"POST","path":"/Groups","bulkId":"g2","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g2","members":[{"value":"`+userA+`"}]}},
			{"method":"DELETE","path":"/Users/`+userA+`"}]}`)
		require.Equal(t, 200, res.status, res.raw)
		ops, _ := res.body["Operations"].([]any)
		require.Len(t, ops, 3, res.raw)
		want := []string{"409", "400", "404"}
		for i, op := range ops {
			assert.Equal(t, want[i], str(op.(map[string]any)["status"]), "operation %d: %s", i, res.raw)
		}
	})

	t.Run("A is intact and B unchanged", func(t *testing.T) {
		res := e.do("GET", a+"/Users/"+userA, tokA, "")
		assert.Equal(t, 200, res.status)
		assert.Equal(t, true, res.body["active"])
		assert.Equal(t, "user1@example.com", res.body["userName"])
		res = e.do("GET", a+"/Me", tokA, "")
		assert.Equal(t, 200, res.status, "/Me resolves in the directory that holds the user")
		res = e.do("GET", b+"/Users", tokB, "")
		assert.Equal(t, "3", fmt.Sprint(res.body["totalResults"]), "B's totals count B's users only")
		res = e.do("GET", b+"/Groups", tokB, "")
		assert.Equal(t, "1", fmt.Sprint(res.body["totalResults"]), res.raw)
	})

	t.Run("hooks see their directory", func(t *testing.T) {
		hooks.Lock()
		defer hooks.Unlock()
		require.NotEmpty(t, hooks.seen)
		for _, h := range hooks.seen {
			switch h.dir {
			case "acme":
				assert.NotContains(t, idsB, h.id)
			case "bolt":
				assert.NotContains(t, idsA, h.id)
			default:
				t.Errorf("a hook ran without its directory: %+v", h)
			}
		}
	})
}
