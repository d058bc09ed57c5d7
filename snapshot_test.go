package scim_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/fixture"
	"github.com/scimkit/scim/store/memory"
)

// Reads with the default attributes are written from each resource's
// encoded JSON; they must be byte for byte what the general path renders
// (asked for here with an excludedAttributes naming nothing), under each
// request's own base URL.
func TestEncodedReadsMatchRenderedReads(t *testing.T) {
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()),
		scim.WithBearerToken("idp", "token"), scim.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		u, err := db.Users().Create(ctx, &scim.Resource{Attributes: fixture.User(i)})
		require.NoError(t, err)
		ids = append(ids, u.ID)
	}
	_, err = db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Staff <&>",
		"members": []any{map[string]any{"value": ids[0]}, map[string]any{"value": ids[2]}}}})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	mux.Handle("/", srv)
	get := func(host, target string) (int, http.Header, string) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Host = host
		req.Header.Set("Authorization", "Bearer token")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		body, err := io.ReadAll(w.Body)
		require.NoError(t, err)
		return w.Code, w.Header(), string(body)
	}
	tests := []struct {
		name, host, target string
		empty              bool // no resource, so no location
	}{
		{"GET a user", "a.example.com", "/Users/" + ids[0], false},
		{"the same user from another host", "b.example.com", "/Users/" + ids[0], false},
		{"the same user under a prefix", "b.example.com", "/scim/v2/Users/" + ids[0], false},
		{"a group", "a.example.com", "/Groups?filter=" + url.QueryEscape(`displayName eq "Staff <&>"`), false},
		{"a list", "a.example.com", "/Users?startIndex=2&count=5", false},
		{"a filter", "c.example.com:8443", "/scim/v2/Users?filter=" + url.QueryEscape(`userName eq "user0000001@example.com"`), false},
		{"a filter without a match", "a.example.com", "/Users?filter=" + url.QueryEscape(`userName eq "nobody"`), true},
		{"an empty page", "a.example.com", "/Users?count=0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sep := "?"
			if u, _ := url.Parse(tt.target); u.RawQuery != "" {
				sep = "&"
			}
			code, header, fast := get(tt.host, tt.target)
			require.Equal(t, http.StatusOK, code, fast)
			code, general, rendered := get(tt.host, tt.target+sep+"excludedAttributes=nothing")
			require.Equal(t, http.StatusOK, code, rendered)
			assert.Equal(t, rendered, fast)
			assert.Equal(t, general.Get("ETag"), header.Get("ETag"))
			assert.Equal(t, general.Get("Content-Length"), header.Get("Content-Length"))
			if !tt.empty {
				assert.Contains(t, fast, "http://"+tt.host)
			}
		})
	}
}

// A write answered from the store's snapshot (memory.Store is a
// SnapshotWriter, and a new version's encoding reuses the old one's for
// the values the write left alone) answers, byte for byte, what the
// general path renders, and so does every read after it, over a random
// sequence of PATCHes (no-ops, changed scalars, sub-attributes, lists,
// extensions, path-less replaces, text JSON must escape), PUTs and POSTs.
func TestWrittenSnapshotsMatchRenderedReads(t *testing.T) {
	texts := []string{"Plain", "Zoë \"Z\" Ünïcödé ✓", "日本語", "Line\u2028Sep", "<&>", ""}
	db := memory.New()
	srv, err := scim.New(scim.WithUsers(db.Users()), scim.WithGroups(db.Groups()),
		scim.WithBearerToken("idp", "token"), scim.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	ctx := context.Background()
	u, err := db.Users().Create(ctx, &scim.Resource{Attributes: fixture.User(1)})
	require.NoError(t, err)
	g, err := db.Groups().Create(ctx, &scim.Resource{Attributes: map[string]any{"displayName": "Staff",
		"members": []any{map[string]any{"value": u.ID}}}})
	require.NoError(t, err)
	do := func(method, target, body string) (int, http.Header, string) {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer token")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w.Code, w.Header(), w.Body.String()
	}
	const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	userOps := []string{
		`{"op":"Replace","path":"active","value":"False"}`,
		`{"op":"replace","path":"active","value":true}`,
		`{"op":"replace","path":"name.givenName","value":"Zoë \"Z\" Ünïcödé ✓"}`,
		`{"op":"replace","path":"name.givenName","value":"Given"}`,
		`{"op":"add","path":"emails","value":[{"value":"home@example.com","type":"home"}]}`,
		`{"op":"remove","path":"emails[type eq \"home\"]"}`,
		`{"op":"replace","path":"emails[type eq \"work\"].value","value":"work@example.com"}`,
		`{"op":"replace","path":"` + enterprise + `:employeeNumber","value":"日本語 42"}`,
		`{"op":"remove","path":"` + enterprise + `:department"}`,
		`{"op":"add","path":"` + enterprise + `:department","value":"R&D <x>"}`,
		`{"op":"replace","value":{"displayName":"Line\u2028Sep","title":"Engineer"}}`,
		`{"op":"remove","path":"title"}`,
	}
	groupOps := []string{
		`{"op":"replace","path":"displayName","value":"Staff ✓"}`,
		`{"op":"replace","path":"displayName","value":"Staff"}`,
		`{"op":"remove","path":"members[value eq \"` + u.ID + `\"]"}`,
		`{"op":"add","path":"members","value":[{"value":"` + u.ID + `"}]}`,
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		target, ops := "/Users/"+u.ID, userOps
		if i%3 == 2 {
			target, ops = "/Groups/"+g.ID, groupOps
		}
		if r.IntN(2) == 0 {
			do(http.MethodGet, target, "") // the version before is encoded, or not
		}
		op := ops[r.IntN(len(ops))]
		method, body := http.MethodPatch, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+op+`]}`
		want := http.StatusOK
		switch r.IntN(8) {
		case 0: // a replace of the user, with some of its attributes changed
			attrs := withSchemas(fixture.User(1))
			attrs["displayName"] = texts[r.IntN(len(texts))]
			if r.IntN(2) == 0 {
				delete(attrs, "title")
			}
			b, err := json.Marshal(attrs)
			require.NoError(t, err)
			target, method, body, op = "/Users/"+u.ID, http.MethodPut, string(b), "PUT"
		case 1: // a new user
			b, err := json.Marshal(withSchemas(fixture.User(1000 + i)))
			require.NoError(t, err)
			target, method, body, op, want = "/Users", http.MethodPost, string(b), "POST", http.StatusCreated
		}
		code, header, written := do(method, target, body)
		if code == http.StatusNoContent {
			continue // a membership change answers with no body
		}
		require.Equal(t, want, code, "%s: %s", op, written)
		if method == http.MethodPost {
			target = strings.TrimPrefix(header.Get("Location"), "http://example.com")
		}
		patched := written
		code, general, rendered := do(http.MethodGet, target+"?excludedAttributes=nothing", "")
		require.Equal(t, http.StatusOK, code, rendered)
		require.Equal(t, rendered, patched, "write %d: %s", i, op)
		require.Equal(t, general.Get("ETag"), header.Get("ETag"))
		_, _, read := do(http.MethodGet, target, "")
		require.Equal(t, rendered, read, "GET after write %d: %s", i, op)
	}
}

// withSchemas adds the schemas a client sends to a fixture user.
func withSchemas(attrs map[string]any) map[string]any {
	attrs["schemas"] = []any{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}
	return attrs
}
