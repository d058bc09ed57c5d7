package main

import (
	"context"
	"encoding/json"
	mathrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func serveBare(t *testing.T, kind string) (http.Handler, *handshake) {
	t.Helper()
	hs := &handshake{}
	h, err := newBare(context.Background(), childSpec{Kind: kind, Users: 20, BigGroup: 150}, hs)
	require.NoError(t, err)
	return h, hs
}

func call(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestBareAnswersEveryScenario: the yardstick serves every scenario's
// request with the status the SCIM server answers, and the reads with the
// very bytes a scim.Server over the same users writes.
func TestBareAnswersEveryScenario(t *testing.T) {
	h, hs := serveBare(t, kindBare)
	db, srv := loadedSCIM(t)
	filter := func(attr, value string) string {
		return "/Users?filter=" + url.QueryEscape(attr+` eq "`+value+`"`)
	}
	id, ref := hs.IDs[3], db.IDs[3]
	for _, tc := range []struct {
		name, path, refPath string
	}{
		{scGet, "/Users/" + id, "/Users/" + ref},
		{scUserName, filter("userName", userName(3)), filter("userName", userName(3))},
		{scExternalID, filter("externalId", externalID(3)), filter("externalId", externalID(3))},
		{scList, listPath, listPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := call(h, http.MethodGet, tc.path, "")
			require.Equal(t, http.StatusOK, got.Code, got.Body.String())
			want, err := render(context.Background(), srv, tc.refPath)
			require.NoError(t, err)
			// The two stores gave the users different ids and times.
			assert.Equal(t, withoutIDs(t, want), withoutIDs(t, got.Body.Bytes()))
			assert.Equal(t, "application/scim+json", got.Header().Get("Content-Type"))
		})
	}

	for _, sc := range scenarioNames {
		s, ok := scenarioFor(&target{kind: kindBare, users: 20, userIDs: hs.IDs, candidates: hs.Candidates, smallID: hs.SmallID, bigID: hs.BigID}, sc)
		require.True(t, ok, sc)
		for i := int64(0); i < 2; i++ {
			method, path, body := s.request(newRand(), 0, i)
			rec := call(h, method, path, string(body))
			assert.Equal(t, s.want, rec.Code, "%s %s: %s", method, path, rec.Body.String())
			if s.undo {
				loc := rec.Header().Get("Location")
				require.NotEmpty(t, loc)
				u, err := url.Parse(loc)
				require.NoError(t, err)
				assert.Equal(t, http.StatusOK, call(h, http.MethodGet, u.Path, "").Code)
				assert.Equal(t, http.StatusNoContent, call(h, http.MethodDelete, u.Path, "").Code)
				assert.Equal(t, http.StatusNotFound, call(h, http.MethodGet, u.Path, "").Code)
			}
		}
	}
}

// TestBareMembers: a member PATCH adds the id to the group and removes it.
func TestBareMembers(t *testing.T) {
	h, hs := serveBare(t, kindBare)
	b := h.(*bare)
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`
	for _, tc := range []struct {
		ops  string
		want bool
	}{
		{`[{"op":"add","path":"members","value":[{"value":"new-member"}]}]`, true},
		{`[{"op":"remove","path":"members[value eq \"new-member\"]"}]`, false},
	} {
		rec := call(h, http.MethodPatch, "/Groups/"+hs.BigID, patch+tc.ops+"}")
		require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
		_, ok := b.groups[hs.BigID]["new-member"]
		assert.Equal(t, tc.want, ok, tc.ops)
		assert.Len(t, b.groups[hs.BigID], 150+map[bool]int{true: 1}[tc.want])
	}
	assert.Equal(t, http.StatusBadRequest, call(h, http.MethodPatch, "/Groups/"+hs.BigID, "{").Code)
	assert.Equal(t, http.StatusNotFound, call(h, http.MethodPatch, "/Groups/none", patch+"[]}").Code)
}

// TestBareIsPreEncoded: the yardstick writes held bytes, so a GET costs a
// fraction of the allocations of the handler that encodes a map document
// on every request, which is what the harness measured against before.
func TestBareIsPreEncoded(t *testing.T) {
	allocs := map[string]float64{}
	for _, kind := range []string{kindBare, kindBareJSON} {
		h, hs := serveBare(t, kind)
		path := "/Users/" + hs.IDs[0]
		require.Equal(t, http.StatusOK, call(h, http.MethodGet, path, "").Code)
		req := httptest.NewRequest(http.MethodGet, path, nil)
		allocs[kind] = testing.AllocsPerRun(200, func() { h.ServeHTTP(httptest.NewRecorder(), req) })
	}
	t.Logf("allocations per GET: %v", allocs)
	assert.Less(t, allocs[kindBare]*3, allocs[kindBareJSON], allocs)
}

func newRand() *mathrand.Rand { return mathrand.New(mathrand.NewPCG(1, 2)) }

// loadedSCIM returns a scim.Server over a memory store loaded as the bare
// handler's is.
func loadedSCIM(t *testing.T) (*handshake, http.Handler) {
	t.Helper()
	s := &serverProc{}
	hs := &handshake{}
	h, err := s.memory(context.Background(), childSpec{Kind: kindMemory, Users: 20, BigGroup: 150}, hs)
	require.NoError(t, err)
	return hs, h
}

// withoutIDs decodes a response and drops what differs between two stores
// loaded alike: ids, meta and the ids of the users' groups.
func withoutIDs(t *testing.T, body []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(body, &v), string(body))
	var strip func(any)
	strip = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			delete(v, "id")
			delete(v, "meta")
			delete(v, "groups")
			for _, e := range v {
				strip(e)
			}
		case []any:
			for _, e := range v {
				strip(e)
			}
		}
	}
	strip(v)
	return v
}
