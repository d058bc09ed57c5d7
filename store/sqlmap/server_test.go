package sqlmap_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
)

// serve returns a server over the mapped stores.
func serve(t *testing.T, dialect string, opts ...scim.Option) http.Handler {
	st := newStores(t, dialect, false)
	srv, err := scim.New(append([]scim.Option{
		scim.WithResourceType(st.Users().ResourceType(), st.Users()),
		scim.WithResourceType(st.Groups().ResourceType(), st.Groups()),
		scim.WithoutAuthentication(),
		scim.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}, opts...)...)
	require.NoError(t, err)
	return srv
}

func call(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var doc map[string]any
	if rec.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc), rec.Body.String())
	}
	return rec.Code, doc
}

// TestAdvertisedIsKept: /Schemas lists exactly the mapped attributes, and
// an attribute a client sends that is not kept is ignored, or refused in
// strict mode.
func TestAdvertisedIsKept(t *testing.T) {
	h := serve(t, "SQLite")
	code, doc := call(t, h, "GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", "")
	require.Equal(t, http.StatusOK, code)
	var got []string
	for _, a := range doc["attributes"].([]any) {
		got = append(got, a.(map[string]any)["name"].(string))
	}
	assert.Equal(t, []string{"userName", "name", "displayName", "preferredLanguage", "active", "emails", "groups"}, got)
	code, doc = call(t, h, "GET", "/Schemas/"+enterprise, "")
	require.Equal(t, http.StatusOK, code)
	assert.Len(t, doc["attributes"], 2, "employeeNumber and manager")

	code, doc = call(t, h, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","nickName":"dropped"}`)
	require.Equal(t, http.StatusCreated, code)
	assert.NotContains(t, doc, "nickName", "an attribute not kept is ignored")

	strict := serve(t, "SQLite", scim.WithRejectUnknownAttributes())
	code, doc = call(t, strict, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","nickName":"dropped"}`)
	assert.Equal(t, http.StatusBadRequest, code, "strict mode refuses it")
	assert.Equal(t, "invalidSyntax", doc["scimType"])
}

// TestUnknownAttributesInQueries: the answer to a filter or sortBy on an
// attribute the type does not keep is the server's, the same for every
// store: the filter matches nothing (400 invalidFilter when strict), and
// sortBy is 400 invalidPath.
func TestUnknownAttributesInQueries(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			h := serve(t, dialect)
			strict := serve(t, dialect, scim.WithFilterOptions(filter.Options{Strict: true}))
			for _, srv := range []http.Handler{h, strict} {
				code, _ := call(t, srv, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","title":"x"}`)
				require.Equal(t, http.StatusCreated, code)
			}
			tests := []struct {
				h        http.Handler
				query    string
				status   int
				scimType string
				total    float64
			}{
				{h, `filter=title eq "x"`, 200, "", 0},
				{h, `filter=title pr or userName eq "a"`, 200, "", 1},
				{strict, `filter=title eq "x"`, 400, "invalidFilter", 0},
				{h, `sortBy=title`, 400, "invalidPath", 0},
				{h, `filter=members.value eq "x"`, 200, "", 0},
			}
			for _, tt := range tests {
				code, doc := call(t, tt.h, "GET", "/Users?"+strings.ReplaceAll(tt.query, " ", "%20"), "")
				assert.Equal(t, tt.status, code, tt.query)
				if tt.status == 200 {
					assert.Equal(t, tt.total, doc["totalResults"], tt.query)
				} else {
					assert.Equal(t, tt.scimType, doc["scimType"], tt.query)
				}
			}
			code, doc := call(t, h, "GET", "/Groups?filter="+strings.ReplaceAll(`members[value eq "x"]`, " ", "%20"), "")
			assert.Equal(t, http.StatusBadRequest, code, fmt.Sprint(doc))
			assert.Equal(t, "invalidFilter", doc["scimType"])
		})
	}
}
