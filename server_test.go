package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

const token = "s3cret"

// client talks to a Server mounted at /scim/v2 on a test HTTP server.
type client struct {
	t    *testing.T
	base string
	auth string
}

type response struct {
	status int
	header http.Header
	body   map[string]any
}

func newClient(t *testing.T, opts ...scim.Option) *client {
	t.Helper()
	db := memory.New()
	all := append([]scim.Option{
		scim.WithUsers(db.Users()),
		scim.WithGroups(db.Groups()),
		scim.WithBearerToken("test", token),
		scim.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}, opts...)
	srv, err := scim.New(all...)
	require.NoError(t, err)
	return serve(t, srv)
}

func serve(t *testing.T, srv http.Handler) *client {
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return &client{t: t, base: ts.URL + "/scim/v2", auth: "Bearer " + token}
}

func (c *client) do(method, path string, body any, headers ...string) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(c.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	out := response{status: res.StatusCode, header: res.Header}
	if len(data) > 0 {
		require.NoError(c.t, json.Unmarshal(data, &out.body), "body: %s", data)
		assert.Equal(c.t, "application/scim+json", res.Header.Get("Content-Type"))
	}
	return out
}

// requireError checks that r is a SCIM error with the given status and
// scimType.
func requireError(t *testing.T, r response, status int, scimType string) {
	t.Helper()
	require.Equal(t, status, r.status, "body: %v", r.body)
	assert.Equal(t, []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, r.body["schemas"])
	assert.Equal(t, fmt.Sprint(status), r.body["status"], "status is a string")
	if scimType == "" {
		assert.NotContains(t, r.body, "scimType")
	} else {
		assert.Equal(t, scimType, r.body["scimType"])
	}
	assert.NotEmpty(t, r.body["detail"])
}

func user(userName string) map[string]any {
	return map[string]any{
		"schemas":  []any{schema.UserSchemaURN},
		"userName": userName,
		"name":     map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
		"emails":   []any{map[string]any{"value": userName, "type": "work", "primary": true}},
		"active":   true,
	}
}

func (c *client) createUser(userName string) string {
	c.t.Helper()
	r := c.do("POST", "/Users", user(userName))
	require.Equal(c.t, http.StatusCreated, r.status, "body: %v", r.body)
	return r.body["id"].(string)
}

func TestServer_UserLifecycle(t *testing.T) {
	c := newClient(t)

	created := c.do("POST", "/Users", user("bjensen@example.com"))
	require.Equal(t, http.StatusCreated, created.status, "body: %v", created.body)
	id, _ := created.body["id"].(string)
	require.NotEmpty(t, id)
	assert.Equal(t, c.base+"/Users/"+id, created.header.Get("Location"))
	assert.Equal(t, created.header.Get("ETag"), created.body["meta"].(map[string]any)["version"])
	meta := created.body["meta"].(map[string]any)
	assert.Equal(t, "User", meta["resourceType"])
	assert.Equal(t, c.base+"/Users/"+id, meta["location"])
	assert.NotEmpty(t, meta["created"])
	assert.NotEmpty(t, meta["lastModified"])

	got := c.do("GET", "/Users/"+id, nil)
	require.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, "bjensen@example.com", got.body["userName"])
	assert.Equal(t, "Jensen", got.body["name"].(map[string]any)["familyName"])

	for _, f := range []string{`userName eq "bjensen@example.com"`, `USERNAME Eq "BJensen@Example.com"`} {
		list := c.do("GET", "/Users?filter="+urlQuery(f), nil)
		require.Equal(t, http.StatusOK, list.status, "filter %s: %v", f, list.body)
		assert.EqualValues(t, 1, list.body["totalResults"], "filter %s", f)
		resources := list.body["Resources"].([]any)
		require.Len(t, resources, 1)
		assert.Equal(t, id, resources[0].(map[string]any)["id"])
	}
	none := c.do("GET", "/Users?filter="+urlQuery(`userName eq "nobody"`), nil)
	assert.EqualValues(t, 0, none.body["totalResults"])
	assert.Equal(t, []any{}, none.body["Resources"])

	replacement := user("bjensen@example.com")
	replacement["displayName"] = "Babs Jensen"
	replaced := c.do("PUT", "/Users/"+id, replacement)
	require.Equal(t, http.StatusOK, replaced.status, "body: %v", replaced.body)
	assert.Equal(t, "Babs Jensen", replaced.body["displayName"])
	assert.NotEqual(t, created.header.Get("ETag"), replaced.header.Get("ETag"))

	deactivate := map[string]any{
		"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": "False"}},
	}
	patched := c.do("PATCH", "/Users/"+id, deactivate)
	require.Equal(t, http.StatusOK, patched.status, "body: %v", patched.body)
	assert.Equal(t, false, patched.body["active"])
	assert.Equal(t, false, c.do("GET", "/Users/"+id, nil).body["active"])

	deleted := c.do("DELETE", "/Users/"+id, nil)
	assert.Equal(t, http.StatusNoContent, deleted.status)
	requireError(t, c.do("GET", "/Users/"+id, nil), http.StatusNotFound, "")
	requireError(t, c.do("DELETE", "/Users/"+id, nil), http.StatusNotFound, "")
}

func TestServer_GroupMembersAppearInUserGroups(t *testing.T) {
	c := newClient(t)
	uid := c.createUser("alice")
	g := c.do("POST", "/Groups", map[string]any{
		"schemas":     []any{schema.GroupSchemaURN},
		"displayName": "Teachers",
		"members":     []any{map[string]any{"value": uid}},
	})
	require.Equal(t, http.StatusCreated, g.status, "body: %v", g.body)
	gid := g.body["id"].(string)

	u := c.do("GET", "/Users/"+uid, nil)
	groups, _ := u.body["groups"].([]any)
	require.Len(t, groups, 1, "user: %v", u.body)
	assert.Equal(t, gid, groups[0].(map[string]any)["value"])
	assert.Equal(t, "Teachers", groups[0].(map[string]any)["display"])

	byName := c.do("GET", "/Groups?filter="+urlQuery(`displayName eq "teachers"`)+"&excludedAttributes=members", nil)
	require.EqualValues(t, 1, byName.body["totalResults"])
	assert.NotContains(t, byName.body["Resources"].([]any)[0], "members")

	// Entra removes a member by a value array; a membership-only PATCH
	// answers 204.
	remove := map[string]any{
		"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "Remove", "path": "members",
			"value": []any{map[string]any{"value": uid}}}},
	}
	r := c.do("PATCH", "/Groups/"+gid, remove)
	require.Equal(t, http.StatusNoContent, r.status, "body: %v", r.body)
	assert.NotEmpty(t, r.header.Get("ETag"))
	assert.NotContains(t, c.do("GET", "/Users/"+uid, nil).body, "groups")
	assert.NotContains(t, c.do("GET", "/Groups/"+gid, nil).body, "members")

	// Asking for attributes gets the resource back.
	add := map[string]any{
		"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": uid}}}},
	}
	r = c.do("PATCH", "/Groups/"+gid+"?attributes=members", add)
	require.Equal(t, http.StatusOK, r.status, "body: %v", r.body)
	assert.Len(t, r.body["members"], 1)
	assert.NotContains(t, r.body, "displayName")
}

func TestServer_Errors(t *testing.T) {
	c := newClient(t, scim.WithMaxPayloadSize(2048))
	id := c.createUser("taken")
	_ = id

	t.Run("duplicate userName in another case is 409 uniqueness", func(t *testing.T) {
		requireError(t, c.do("POST", "/Users", user("TAKEN")), http.StatusConflict, "uniqueness")
	})
	t.Run("unknown id is 404", func(t *testing.T) {
		requireError(t, c.do("GET", "/Users/no-such-id", nil), http.StatusNotFound, "")
		requireError(t, c.do("PUT", "/Users/no-such-id", user("x")), http.StatusNotFound, "")
	})
	t.Run("malformed JSON is 400 invalidSyntax", func(t *testing.T) {
		requireError(t, c.do("POST", "/Users", `{"userName": `), http.StatusBadRequest, "invalidSyntax")
		requireError(t, c.do("POST", "/Users", `[1,2]`), http.StatusBadRequest, "invalidSyntax")
	})
	t.Run("missing required userName is 400 invalidValue", func(t *testing.T) {
		requireError(t, c.do("POST", "/Users", map[string]any{"schemas": []any{schema.UserSchemaURN}}), http.StatusBadRequest, "invalidValue")
	})
	t.Run("bad filter is 400 invalidFilter", func(t *testing.T) {
		requireError(t, c.do("GET", "/Users?filter="+urlQuery(`userName eq`), nil), http.StatusBadRequest, "invalidFilter")
	})
	t.Run("bad count is 400 invalidValue", func(t *testing.T) {
		requireError(t, c.do("GET", "/Users?count=ten", nil), http.StatusBadRequest, "invalidValue")
	})
	t.Run("bad PATCH path is 400 invalidPath", func(t *testing.T) {
		body := map[string]any{
			"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "emails[type eq", "value": "x"}},
		}
		r := c.do("PATCH", "/Users/"+id, body)
		require.Equal(t, http.StatusBadRequest, r.status, "body: %v", r.body)
		assert.Contains(t, []any{"invalidPath", "invalidFilter"}, r.body["scimType"])
	})
	t.Run("body over the limit is 413", func(t *testing.T) {
		big := user("big")
		big["displayName"] = strings.Repeat("x", 4096)
		requireError(t, c.do("POST", "/Users", big), http.StatusRequestEntityTooLarge, "")
	})
	t.Run("non-JSON content type is 415", func(t *testing.T) {
		requireError(t, c.do("POST", "/Users", `userName=x`, "Content-Type", "application/x-www-form-urlencoded"), http.StatusUnsupportedMediaType, "")
	})
	t.Run("application/json is accepted", func(t *testing.T) {
		r := c.do("POST", "/Users", user("json"), "Content-Type", "application/json")
		assert.Equal(t, http.StatusCreated, r.status)
	})
	t.Run("unknown endpoint is 404 and wrong method 405", func(t *testing.T) {
		requireError(t, c.do("GET", "/Devices", nil), http.StatusNotFound, "")
		r := c.do("DELETE", "/Users", nil)
		requireError(t, r, http.StatusMethodNotAllowed, "")
		assert.Contains(t, r.header.Get("Allow"), "POST")
	})
	for name, auth := range map[string]string{"missing": "", "wrong": "Bearer nope", "basic": "Basic czNjcmV0"} {
		t.Run(name+" token is 401", func(t *testing.T) {
			unauth := *c
			unauth.auth = auth
			r := unauth.do("GET", "/Users", nil)
			requireError(t, r, http.StatusUnauthorized, "")
			assert.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
			requireError(t, unauth.do("GET", "/ServiceProviderConfig", nil), http.StatusUnauthorized, "")
		})
	}
}

func TestServer_ETags(t *testing.T) {
	c := newClient(t)
	id := c.createUser("etag")
	got := c.do("GET", "/Users/"+id, nil)
	etag := got.header.Get("ETag")
	require.True(t, strings.HasPrefix(etag, `W/"`), "ETag %q", etag)

	notModified := c.do("GET", "/Users/"+id, nil, "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, notModified.status)

	ok := c.do("PUT", "/Users/"+id, user("etag"), "If-Match", etag)
	require.Equal(t, http.StatusOK, ok.status)
	requireError(t, c.do("PUT", "/Users/"+id, user("etag"), "If-Match", etag), http.StatusPreconditionFailed, "")
	patchBody := map[string]any{
		"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}},
	}
	requireError(t, c.do("PATCH", "/Users/"+id, patchBody, "If-Match", etag), http.StatusPreconditionFailed, "")
	requireError(t, c.do("DELETE", "/Users/"+id, nil, "If-Match", etag), http.StatusPreconditionFailed, "")
	assert.Equal(t, http.StatusNoContent, c.do("DELETE", "/Users/"+id, nil, "If-Match", ok.header.Get("ETag")).status)
}

func TestServer_Paging(t *testing.T) {
	c := newClient(t, scim.WithMaxResults(3))
	for i := 0; i < 5; i++ {
		c.createUser(fmt.Sprintf("user%d", i))
	}
	tests := []struct {
		query              string
		total, start, page int
		first              string
	}{
		{"", 5, 1, 3, "user0"},
		{"?startIndex=3&count=2", 5, 3, 2, "user2"},
		{"?startIndex=0&count=100", 5, 1, 3, "user0"},
		{"?count=0", 5, 1, 0, ""},
		{"?startIndex=5", 5, 5, 1, "user4"},
		{"?startIndex=9", 5, 9, 0, ""},
		{"?sortBy=userName&sortOrder=Descending&count=1", 5, 1, 1, "user4"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := c.do("GET", "/Users"+tt.query, nil)
			require.Equal(t, http.StatusOK, r.status, "body: %v", r.body)
			assert.Equal(t, []any{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, r.body["schemas"])
			assert.EqualValues(t, tt.total, r.body["totalResults"])
			assert.EqualValues(t, tt.start, r.body["startIndex"])
			assert.EqualValues(t, tt.page, r.body["itemsPerPage"])
			resources := r.body["Resources"].([]any)
			require.Len(t, resources, tt.page)
			if tt.first != "" {
				assert.Equal(t, tt.first, resources[0].(map[string]any)["userName"])
			}
		})
	}
}

func TestServer_Projection(t *testing.T) {
	c := newClient(t)
	body := user("proj")
	body["password"] = "hunter2"
	created := c.do("POST", "/Users", body)
	require.Equal(t, http.StatusCreated, created.status)
	assert.NotContains(t, created.body, "password", "passwords are never returned")
	id := created.body["id"].(string)

	r := c.do("GET", "/Users/"+id+"?attributes=userName,name.givenName", nil)
	assert.Equal(t, "proj", r.body["userName"])
	assert.Equal(t, map[string]any{"givenName": "Barbara"}, r.body["name"])
	assert.Equal(t, id, r.body["id"], "id is always returned")
	assert.NotContains(t, r.body, "emails")

	r = c.do("GET", "/Users/"+id+"?excludedAttributes=emails,name", nil)
	assert.NotContains(t, r.body, "emails")
	assert.NotContains(t, r.body, "name")
	assert.Equal(t, "proj", r.body["userName"])
}

func TestServer_Discovery(t *testing.T) {
	c := newClient(t, scim.WithMaxResults(42), scim.WithMaxPayloadSize(4096))
	spc := c.do("GET", "/ServiceProviderConfig", nil)
	require.Equal(t, http.StatusOK, spc.status)
	assert.Equal(t, map[string]any{"supported": true, "maxResults": float64(42)}, spc.body["filter"])
	assert.Equal(t, map[string]any{"supported": true}, spc.body["patch"])
	assert.Equal(t, float64(4096), spc.body["bulk"].(map[string]any)["maxPayloadSize"])
	assert.Equal(t, true, spc.body["changePassword"].(map[string]any)["supported"])
	schemes := spc.body["authenticationSchemes"].([]any)
	require.Len(t, schemes, 1)
	assert.Equal(t, "oauthbearertoken", schemes[0].(map[string]any)["type"])

	schemas := c.do("GET", "/Schemas", nil)
	require.Equal(t, http.StatusOK, schemas.status)
	assert.EqualValues(t, 3, schemas.body["totalResults"])
	one := c.do("GET", "/Schemas/"+schema.EnterpriseUserSchemaURN, nil)
	require.Equal(t, http.StatusOK, one.status)
	assert.Equal(t, "EnterpriseUser", one.body["name"])
	requireError(t, c.do("GET", "/Schemas/urn:nope", nil), http.StatusNotFound, "")

	types := c.do("GET", "/ResourceTypes", nil)
	assert.EqualValues(t, 2, types.body["totalResults"])
	userType := c.do("GET", "/ResourceTypes/User", nil)
	require.Equal(t, http.StatusOK, userType.status)
	assert.Equal(t, "/Users", userType.body["endpoint"])
	assert.Equal(t, c.base+"/ResourceTypes/User", userType.body["meta"].(map[string]any)["location"])
	requireError(t, c.do("GET", "/Schemas?filter="+urlQuery(`id pr`), nil), http.StatusForbidden, "")
}

func TestServer_ChangeHooks(t *testing.T) {
	var mu sync.Mutex
	var changes []scim.Change
	var principals []any
	c := newClient(t, scim.WithChangeHook(func(ctx context.Context, ch scim.Change) {
		mu.Lock()
		defer mu.Unlock()
		changes = append(changes, ch)
		p, _ := scim.PrincipalFromContext(ctx)
		principals = append(principals, p)
	}))
	uid := c.createUser("hooked")
	g := c.do("POST", "/Groups", map[string]any{"schemas": []any{schema.GroupSchemaURN}, "displayName": "G"})
	gid := g.body["id"].(string)
	c.do("PATCH", "/Groups/"+gid, map[string]any{
		"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": uid}}}},
	})
	c.do("PUT", "/Groups/"+gid, map[string]any{"schemas": []any{schema.GroupSchemaURN}, "displayName": "G2"})
	requireError(t, c.do("POST", "/Users", user("hooked")), http.StatusConflict, "uniqueness")
	c.do("DELETE", "/Users/"+uid, nil)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, changes, 5, "a failed write is not a change")
	assert.Equal(t, scim.Created, changes[0].Kind)
	assert.Equal(t, "User", changes[0].ResourceType)
	assert.Equal(t, uid, changes[0].ID)
	assert.Equal(t, scim.Patched, changes[2].Kind)
	assert.Equal(t, []string{uid}, changes[2].MembersAdded)
	assert.Equal(t, scim.Replaced, changes[3].Kind)
	assert.Equal(t, []string{uid}, changes[3].MembersRemoved, "a replace without members removes them")
	assert.Equal(t, scim.Deleted, changes[4].Kind)
	assert.Nil(t, changes[4].Resource)
	for _, p := range principals {
		assert.Equal(t, "test", p)
	}
}

// plainStore hides the memory store's Patcher, so the server applies PATCH
// itself with Get, patch.Apply and Replace.
type plainStore struct{ scim.ResourceStore }

func TestServer_PatchWithoutPatcher(t *testing.T) {
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(plainStore{db.Users()}), scim.WithoutAuthentication())
	require.NoError(t, err)
	c := serve(t, srv)
	id := c.createUser("plain")

	const writers = 8
	// The requests run concurrently; their outcomes are checked here, on
	// the test goroutine.
	statuses, _ := concurrentRequests(t, writers, func(i int) (*http.Request, error) {
		return c.request("PATCH", "/Users/"+id, map[string]any{
			"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "add", "path": "emails", "value": []any{map[string]any{"value": fmt.Sprintf("u%d@example.com", i)}}}},
		})
	})
	for _, s := range statuses {
		// The clients sent no If-Match: the server retries for them
		// instead of answering 412 to a precondition nobody set.
		assert.Equal(t, http.StatusOK, s)
	}
	got := c.do("GET", "/Users/"+id, nil)
	assert.Len(t, got.body["emails"], 1+writers, "every PATCH is kept: no lost update")
}

// failingStore fails every call with an internal error or a panic.
type failingStore struct {
	scim.ResourceStore
	panics bool
}

func (f failingStore) Get(context.Context, string, schema.Projection) (*scim.Resource, error) {
	if f.panics {
		panic("boom")
	}
	return nil, errors.New("connection to 10.0.0.7 refused: password=hunter2")
}

func TestServer_InternalErrorsAreHidden(t *testing.T) {
	for _, panics := range []bool{false, true} {
		db := memory.New()
		var logs bytes.Buffer
		srv, err := scim.New(scim.WithUsers(failingStore{db.Users(), panics}), scim.WithoutAuthentication(),
			scim.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		require.NoError(t, err)
		c := serve(t, srv)
		r := c.do("GET", "/Users/x", nil)
		requireError(t, r, http.StatusInternalServerError, "")
		assert.Equal(t, "internal server error", r.body["detail"])
		assert.NotEmpty(t, logs.String(), "the real error is logged")
	}
}

func TestServer_CustomAuthenticator(t *testing.T) {
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(db.Users()),
		scim.WithAuthenticator(scim.AuthenticatorFunc(func(r *http.Request) (any, error) {
			switch r.Header.Get("X-Tenant") {
			case "":
				return nil, errors.New("no tenant")
			case "blocked":
				return nil, scim.NewError(http.StatusForbidden, "", "tenant is blocked")
			}
			return r.Header.Get("X-Tenant"), nil
		})))
	require.NoError(t, err)
	c := serve(t, srv)
	requireError(t, c.do("GET", "/Users", nil), http.StatusUnauthorized, "")
	requireError(t, c.do("GET", "/Users", nil, "X-Tenant", "blocked"), http.StatusForbidden, "")
	assert.Equal(t, http.StatusOK, c.do("GET", "/Users", nil, "X-Tenant", "acme").status)
}

func TestNew_RefusesIncompleteConfiguration(t *testing.T) {
	db := memory.New()
	tests := map[string][]scim.Option{
		"no resource type":      {scim.WithBearerToken("a", "t")},
		"no authentication":     {scim.WithUsers(db.Users())},
		"empty token":           {scim.WithUsers(db.Users()), scim.WithBearerToken("a", "")},
		"resource type twice":   {scim.WithUsers(db.Users()), scim.WithUsers(db.Users()), scim.WithoutAuthentication()},
		"two authentications":   {scim.WithUsers(db.Users()), scim.WithBearerToken("a", "t"), scim.WithAuthenticator(scim.AuthenticatorFunc(func(*http.Request) (any, error) { return nil, nil }))},
		"relative base URL":     {scim.WithUsers(db.Users()), scim.WithoutAuthentication(), scim.WithBaseURL("/scim")},
		"max results below one": {scim.WithUsers(db.Users()), scim.WithoutAuthentication(), scim.WithMaxResults(0)},
		"invalid resource type": {scim.WithResourceType(&schema.ResourceType{Name: "X", Endpoint: "/X"}, db.Users()), scim.WithoutAuthentication()},
		"endpoint with a slash": {scim.WithResourceType(func() *schema.ResourceType { rt := schema.UserResourceType(); rt.Endpoint = "/a/b"; return rt }(), db.Users()), scim.WithoutAuthentication()},
	}
	for name, opts := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := scim.New(opts...)
			assert.Error(t, err)
		})
	}
}

func TestServer_BaseURL(t *testing.T) {
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithoutAuthentication(), scim.WithBaseURL("https://lms.example.com/scim/v2/"))
	require.NoError(t, err)
	c := serve(t, srv)
	r := c.do("POST", "/Users", user("base"))
	require.Equal(t, http.StatusCreated, r.status)
	assert.Equal(t, "https://lms.example.com/scim/v2/Users/"+r.body["id"].(string), r.header.Get("Location"))
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", "&", "%26", "+", "%2B", "#", "%23").Replace(s)
}

func TestServer_CustomResourceType(t *testing.T) {
	devices := &schema.ResourceType{
		ID: "Device", Name: "Device", Endpoint: "/Devices", Description: "A managed laptop",
		Schema: &schema.Schema{ID: "urn:example:params:scim:schemas:Device", Name: "Device", Attributes: []*schema.Attribute{
			{Name: "serialNumber", Type: schema.String, Required: true, CaseExact: true, Uniqueness: schema.UniqueServer},
			{Name: "ports", Type: schema.Integer},
		}},
	}
	srv, err := scim.New(scim.WithResourceType(devices, memory.NewStore(devices)), scim.WithoutAuthentication())
	require.NoError(t, err)
	c := serve(t, srv)
	body := map[string]any{"schemas": []any{"urn:example:params:scim:schemas:Device"}, "serialNumber": "SN-1", "PORTS": 4}
	created := c.do("POST", "/Devices", body)
	require.Equal(t, http.StatusCreated, created.status, "body: %v", created.body)
	assert.EqualValues(t, 4, created.body["ports"], "attribute names come back in the schema's case")
	requireError(t, c.do("POST", "/Devices", body), http.StatusConflict, "uniqueness")
	list := c.do("GET", "/Devices?filter="+urlQuery(`ports gt 3`), nil)
	assert.EqualValues(t, 1, list.body["totalResults"])
	rt := c.do("GET", "/ResourceTypes/Device", nil)
	assert.Equal(t, "/Devices", rt.body["endpoint"])
	sc := c.do("GET", "/Schemas/urn:example:params:scim:schemas:Device", nil)
	require.Equal(t, http.StatusOK, sc.status)
	assert.Len(t, sc.body["attributes"], 2)
}

// WithRejectUnknownAttributes holds for PATCH as for POST and PUT, whether
// the store applies PATCH itself (the memory store is a scim.Patcher) or
// the server does.
func TestServer_RejectUnknownAttributesInPatch(t *testing.T) {
	for name, users := range map[string]func(*memory.DB) scim.ResourceStore{
		"native": func(db *memory.DB) scim.ResourceStore { return db.Users() },
		"server": func(db *memory.DB) scim.ResourceStore { return plainStore{db.Users()} },
	} {
		t.Run(name, func(t *testing.T) {
			srv, err := scim.New(scim.WithUsers(users(memory.New())), scim.WithoutAuthentication(), scim.WithRejectUnknownAttributes())
			require.NoError(t, err)
			c := serve(t, srv)
			id := c.createUser("strict")
			r := c.do("PATCH", "/Users/"+id, map[string]any{
				"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"favouriteColour": "blue"}}},
			})
			requireError(t, r, http.StatusBadRequest, "invalidPath")
		})
	}
}
