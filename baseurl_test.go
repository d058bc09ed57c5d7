package scim_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

func TestForwardedHeadersOnlyWhenOptedIn(t *testing.T) {
	forwarded := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "lms.example.com"}
	tests := []struct {
		name    string
		opts    []scim.Option
		headers []string
		want    string // the Location's prefix
	}{
		{"ignored by default", nil, forwarded, "http://127.0.0.1:"},
		{"honoured when opted in", []scim.Option{scim.WithForwardedHeaders()}, forwarded, "https://lms.example.com/scim/v2/Users/"},
		{"the first of a list", []scim.Option{scim.WithForwardedHeaders()},
			[]string{"X-Forwarded-Proto", "https, http", "X-Forwarded-Host", "a.example.com, b.example.com"}, "https://a.example.com/scim/v2/Users/"},
		{"a host that is no host is ignored", []scim.Option{scim.WithForwardedHeaders()},
			[]string{"X-Forwarded-Proto", "javascript", "X-Forwarded-Host", "evil.example/x?"}, "http://127.0.0.1:"},
		{"WithBaseURL wins", []scim.Option{scim.WithForwardedHeaders(), scim.WithBaseURL("https://fixed.example.com/scim/v2")}, forwarded, "https://fixed.example.com/scim/v2/Users/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.opts...)
			r := c.do("POST", "/Users", user("fw@example.com"), tt.headers...)
			require.Equal(t, http.StatusCreated, r.status)
			assert.Contains(t, r.header.Get("Location"), tt.want)
			assert.Regexp(t, "^"+tt.want, r.header.Get("Location"))
			meta := r.body["meta"].(map[string]any)
			assert.Equal(t, r.header.Get("Location"), meta["location"])
		})
	}
}

func TestNewWarnsWithoutBaseURL(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  scim.Option
		warn bool
	}{
		{"no base URL", nil, true},
		{"WithBaseURL", scim.WithBaseURL("https://lms.example.com/scim/v2"), false},
		{"WithForwardedHeaders", scim.WithForwardedHeaders(), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			db := memory.New()
			_, err := scim.New(scim.WithUsers(db.Users()), scim.WithoutAuthentication(),
				scim.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))), tt.opt)
			require.NoError(t, err)
			if tt.warn {
				assert.Contains(t, buf.String(), "WithBaseURL")
			} else {
				assert.Empty(t, buf.String())
			}
		})
	}
}

func TestWithoutCursorPagination(t *testing.T) {
	on := newClient(t)
	spc := on.do("GET", "/ServiceProviderConfig", nil)
	require.Equal(t, http.StatusOK, spc.status)
	assert.Contains(t, spc.body, "pagination", "on by default")
	assert.Equal(t, http.StatusOK, on.do("GET", "/Users?cursor=", nil).status)

	off := newClient(t, scim.WithoutCursorPagination())
	spc = off.do("GET", "/ServiceProviderConfig", nil)
	require.Equal(t, http.StatusOK, spc.status)
	assert.NotContains(t, spc.body, "pagination")
	requireError(t, off.do("GET", "/Users?cursor=", nil), http.StatusBadRequest, "invalidValue")
	assert.Equal(t, http.StatusOK, off.do("GET", "/Users?startIndex=1", nil).status)
}

// With WithBaseURL, the Server can be mounted at its base URL's path
// without http.StripPrefix: it serves the same routes under that path as
// at its root, and answers a path beside them as it answers an unknown
// one. A base URL whose path could be taken for a route is left to
// StripPrefix.
func TestMountedAtBaseURLPathWithoutStripPrefix(t *testing.T) {
	for _, tt := range []struct {
		name, base, prefix string
	}{
		{"base path", "https://lms.example.com/scim/v2", "/scim/v2"},
		{"base path ending in a slash", "https://lms.example.com/api/scim/", "/api/scim"},
		{"no base path", "https://lms.example.com", ""},
		{"a base path that names a route", "https://lms.example.com/Users", ""},
		{"a base path of other characters", "https://lms.example.com/sc%20im", ""},
		{"a base path that is not clean", "https://lms.example.com/scim/../v2", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := memory.New()
			srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()), scim.WithoutAuthentication(),
				scim.WithBaseURL(tt.base), scim.WithLogger(slog.New(slog.DiscardHandler)))
			require.NoError(t, err)
			serve := func(method, path, body string) *httptest.ResponseRecorder {
				req := httptest.NewRequest(method, path, strings.NewReader(body))
				req.Header.Set("Content-Type", scim.ContentType)
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				return rec
			}
			// At the root, as behind http.StripPrefix, it always works.
			created := serve(http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`)
			require.Equal(t, http.StatusCreated, created.Code, created.Body.String())
			location := created.Header().Get("Location")
			require.True(t, strings.HasPrefix(location, strings.TrimSuffix(tt.base, "/")+"/Users/"), location)
			id := strings.TrimPrefix(location, strings.TrimSuffix(tt.base, "/")+"/Users/")

			under := serve(http.MethodGet, "/scim/v2/Users/"+id, "")
			if tt.prefix == "" {
				assert.Equal(t, http.StatusNotFound, under.Code)
				return
			}
			for _, r := range []struct {
				method, path, body string
				want               int
			}{
				{http.MethodGet, tt.prefix + "/Users/" + id, "", http.StatusOK},
				{http.MethodGet, tt.prefix + "/Users?filter=userName%20eq%20%22bjensen%22", "", http.StatusOK},
				{http.MethodPatch, tt.prefix + "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`, http.StatusOK},
				{http.MethodGet, tt.prefix + "/ServiceProviderConfig", "", http.StatusOK},
				{http.MethodGet, tt.prefix + "/Schemas", "", http.StatusOK},
				{http.MethodGet, tt.prefix + "/ResourceTypes/User", "", http.StatusOK},
				{http.MethodPost, tt.prefix + "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Staff"}`, http.StatusCreated},
				{http.MethodGet, tt.prefix + "/Nothing", "", http.StatusNotFound},
				{http.MethodGet, tt.prefix + "Users/" + id, "", http.StatusNotFound},
				{http.MethodPut, tt.prefix + "/Users", "{}", http.StatusMethodNotAllowed},
				{http.MethodDelete, tt.prefix + "/Users/" + id, "", http.StatusNoContent},
			} {
				rec := serve(r.method, r.path, r.body)
				assert.Equal(t, r.want, rec.Code, "%s %s: %s", r.method, r.path, rec.Body.String())
				if rec.Code == http.StatusOK && r.method != http.MethodGet {
					assert.Contains(t, rec.Body.String(), `"location":"`+strings.TrimSuffix(tt.base, "/")+"/Users/"+id+`"`)
				}
			}
		})
	}
}
