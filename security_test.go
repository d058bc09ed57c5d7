package scim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/memory"
)

// TestTokensAreNeverLogged captures everything the Server logs, at debug
// level, across successful requests, rejected tokens and internal errors:
// neither the accepted token nor a rejected one appears.
func TestTokensAreNeverLogged(t *testing.T) {
	const good = "tok-accepted-7f3a9c2e51"
	const bad = "tok-rejected-0b8d4e6f12"
	var logs syncBuffer
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(erringStore{}), scim.WithBearerToken("idp", good),
		scim.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	c := serve(t, srv)
	c.auth = "Bearer " + good
	c.createUser("logged")
	assert.Equal(t, http.StatusOK, c.do("GET", "/Users", nil).status)
	requireError(t, c.do("GET", "/Groups/x", nil), http.StatusInternalServerError, "")
	requireError(t, c.do("POST", "/Users", "{"), http.StatusBadRequest, "invalidSyntax")
	for _, auth := range []string{"Bearer " + bad, "bearer " + bad, "Basic " + bad, bad, "Bearer " + good + "x", "Bearer " + good[:len(good)-1], ""} {
		c.auth = auth
		requireError(t, c.do("GET", "/Users", nil), http.StatusUnauthorized, "")
		requireError(t, c.do("POST", "/Users", user("nope")), http.StatusUnauthorized, "")
	}
	require.NotEmpty(t, logs.String(), "the internal error was logged")
	for _, secret := range []string{good, bad, good[:len(good)-1]} {
		assert.NotContains(t, logs.String(), secret)
	}
}

// failingBody fails the test when the Server reads it.
type failingBody struct{ t *testing.T }

func (b failingBody) Read([]byte) (int, error) {
	b.t.Errorf("the body of an unauthenticated request was read")
	return 0, io.EOF
}

func (failingBody) Close() error { return nil }

// TestUnauthenticatedBodiesAreNotRead sends writes with a wrong token and
// a body that fails the test if read: each is refused with 401 first.
func TestUnauthenticatedBodiesAreNotRead(t *testing.T) {
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()), scim.WithBearerToken("idp", token),
		scim.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	for _, tt := range []struct{ method, path string }{
		{"POST", "/Users"}, {"PUT", "/Users/1"}, {"PATCH", "/Users/1"}, {"POST", "/Bulk"},
		{"POST", "/Users/.search"}, {"POST", "/.search"}, {"PATCH", "/Me"}, {"POST", "/Nowhere"},
	} {
		for _, auth := range []string{"Bearer wrong", ""} {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			req.Body = failingBody{t}
			req.ContentLength = 1 << 20
			req.Header.Set("Content-Type", scim.ContentType)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusUnauthorized, rec.Code, "%s %s", tt.method, tt.path)
			assert.Equal(t, `Bearer realm="SCIM"`, rec.Header().Get("WWW-Authenticate"))
		}
	}
}

// TestPasswordsAreNeverReturned sets a password through every kind of
// write and asks for it through every kind of read, explicitly by name
// too: it appears in no response, and no error detail echoes it.
func TestPasswordsAreNeverReturned(t *testing.T) {
	const secret = "Pa55-w0rd-never-shown"
	c := newClient(t)
	withPassword := func(userName string) map[string]any {
		u := user(userName)
		u["password"] = secret
		return u
	}
	var seen []response
	record := func(r response) response {
		seen = append(seen, r)
		return r
	}
	created := record(c.do("POST", "/Users?attributes=password,userName", withPassword("pw")))
	require.Equal(t, http.StatusCreated, created.status)
	id := created.body["id"].(string)
	record(c.do("GET", "/Users/"+id, nil))
	record(c.do("GET", "/Users/"+id+"?attributes=password", nil))
	record(c.do("GET", "/Users/"+id+"?excludedAttributes=userName", nil))
	record(c.do("GET", "/Users?attributes=password", nil))
	record(c.do("GET", "/Users?filter="+urlQuery(`userName eq "pw"`), nil))
	record(c.do("POST", "/Users/.search", map[string]any{"schemas": []any{scim.SearchRequestURN}, "attributes": []any{"password", "urn:ietf:params:scim:schemas:core:2.0:User:password"}}))
	record(c.do("POST", "/.search", map[string]any{"schemas": []any{scim.SearchRequestURN}, "attributes": "password"}))
	record(c.do("PUT", "/Users/"+id+"?attributes=password", withPassword("pw")))
	record(c.do("PATCH", "/Users/"+id+"?attributes=password", patchBody(map[string]any{"op": "replace", "path": "password", "value": secret})))
	record(c.do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "replace", "value": map[string]any{"password": secret, "title": "t"}})))
	bulk := record(c.do("POST", "/Bulk", map[string]any{"schemas": []any{bulkURN}, "Operations": []any{
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "b", "data": withPassword("bulk-pw")},
		map[string]any{"method": "PUT", "path": "/Users/bulkId:b", "data": withPassword("bulk-pw")},
		map[string]any{"method": "PATCH", "path": "/Users/bulkId:b", "data": patchBody(map[string]any{"op": "add", "path": "password", "value": secret})},
		map[string]any{"method": "POST", "path": "/Users", "data": withPassword("pw")}, // 409
	}}))
	require.Equal(t, http.StatusOK, bulk.status)
	for _, r := range []response{
		c.do("POST", "/Users", withPassword("pw")),                            // 409 uniqueness
		c.do("PUT", "/Users/"+id, withPassword("pw"), "If-Match", `W/"nope"`), // 412
		c.do("PUT", "/Users/missing", withPassword("pw")),                     // 404
		c.do("POST", "/Users", map[string]any{"password": secret}),            // 400 no schemas
	} {
		require.GreaterOrEqual(t, r.status, 400)
		record(r)
	}
	for i, r := range seen {
		data, err := json.Marshal(r.body)
		require.NoError(t, err)
		assert.NotContains(t, string(data), secret, "response %d: %s", i, data)
		assert.NotContains(t, strings.ToLower(string(data)), `"password":`, "response %d: %s", i, data)
	}

	// Invalid password values: the detail names the attribute, never the
	// value.
	for _, value := range []any{
		map[string]any{"value": secret},
		[]any{secret},
		[]any{map[string]any{"x": secret}},
		true,
		12345678901234,
	} {
		u := user("invalid-pw")
		u["password"] = value
		r := c.do("POST", "/Users", u)
		requireError(t, r, http.StatusBadRequest, "invalidValue")
		detail := r.body["detail"].(string)
		assert.NotContains(t, detail, secret)
		assert.NotContains(t, detail, "12345678901234")
		r = c.do("PATCH", "/Users/"+id, patchBody(map[string]any{"op": "replace", "path": "password", "value": value}))
		requireError(t, r, http.StatusBadRequest, "invalidValue")
		assert.NotContains(t, r.body["detail"], secret)
		assert.NotContains(t, r.body["detail"], "12345678901234")
	}
}

// TestPasswordsAreNotAFilterOracle checks that a client cannot learn a
// stored password by filtering or sorting on it: such filters and sorts
// are refused, in GET and in POST .search.
func TestPasswordsAreNotAFilterOracle(t *testing.T) {
	const secret = "oracle-secret"
	c := newClient(t)
	u := user("oracle")
	u["password"] = secret
	require.Equal(t, http.StatusCreated, c.do("POST", "/Users", u).status)
	for _, f := range []string{`password eq "oracle-secret"`, `password sw "o"`, `PASSWORD pr`, `password co "secret"`,
		`userName eq "oracle" and password gt "a"`, `not (password ew "t")`,
		`urn:ietf:params:scim:schemas:core:2.0:User:password eq "oracle-secret"`} {
		requireError(t, c.do("GET", "/Users?filter="+urlQuery(f), nil), http.StatusBadRequest, "invalidFilter")
		requireError(t, c.do("POST", "/Users/.search", map[string]any{"schemas": []any{scim.SearchRequestURN}, "filter": f}),
			http.StatusBadRequest, "invalidFilter")
	}
	requireError(t, c.do("GET", "/Users?sortBy=password", nil), http.StatusBadRequest, "invalidPath")
	// Filters on what is returned still work.
	assert.EqualValues(t, 1, c.do("GET", "/Users?filter="+urlQuery(`userName eq "oracle"`), nil).body["totalResults"])
}

// TestErrorDetailsDoNotEchoBodies sends malformed bodies holding a
// secret-looking string: the error detail says what is wrong without
// repeating the body.
func TestErrorDetailsDoNotEchoBodies(t *testing.T) {
	const secret = "sk_live_51HxExampleSecret"
	c := newClient(t)
	for _, body := range []string{
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x","password":"` + secret + `",}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x","password":"` + secret,
		`["` + secret + `"]`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x","password":"` + secret + `"} {"trailing":1}`,
	} {
		r := c.do("POST", "/Users", body)
		require.Equal(t, http.StatusBadRequest, r.status, "body: %v", r.body)
		assert.NotContains(t, r.body["detail"], secret)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"schemas":["` + schema.UserSchemaURN + `"],"userName":"x","password":"` + secret + `","emails":"`)
	buf.WriteString(strings.Repeat("\\u0000", 10))
	buf.WriteString(`"}`)
	r := c.do("POST", "/Users", buf.String())
	if r.status >= 400 {
		assert.NotContains(t, r.body["detail"], secret)
	}
}
