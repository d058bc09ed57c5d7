package scim_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConditionalRequestsTakeLists checks RFC 7232's list forms: If-Match
// with several tags succeeds when one is current, and If-None-Match "*" or
// a list holding the current tag answers a GET with 304.
func TestConditionalRequestsTakeLists(t *testing.T) {
	c := newClient(t)
	id := c.createUser("cond@example.com")
	get := c.do("GET", "/Users/"+id, nil)
	require.Equal(t, http.StatusOK, get.status)
	etag := get.header.Get("ETag")
	require.NotEmpty(t, etag)

	notModified := []string{"*", etag, `W/"nope", ` + etag, `"x,y", ` + etag, `W/"a" ,W/"b",` + etag}
	for _, h := range notModified {
		r := c.do("GET", "/Users/"+id, nil, "If-None-Match", h)
		assert.Equal(t, http.StatusNotModified, r.status, "If-None-Match: %s", h)
	}
	r := c.do("GET", "/Users/"+id, nil, "If-None-Match", `W/"nope", W/"other"`)
	assert.Equal(t, http.StatusOK, r.status)

	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"X"}]}`
	// A list without the current tag fails, and changes nothing.
	requireError(t, c.do("PATCH", "/Users/"+id, patch, "If-Match", `W/"nope", W/"other"`), http.StatusPreconditionFailed, "")
	requireError(t, c.do("PUT", "/Users/"+id, user("cond@example.com"), "If-Match", `W/"nope", W/"other"`), http.StatusPreconditionFailed, "")
	requireError(t, c.do("DELETE", "/Users/"+id, nil, "If-Match", `W/"nope", W/"other"`), http.StatusPreconditionFailed, "")
	assert.Equal(t, etag, c.do("GET", "/Users/"+id, nil).header.Get("ETag"))

	// A list holding the current tag succeeds, for each method.
	r = c.do("PATCH", "/Users/"+id, patch, "If-Match", `W/"nope", `+etag)
	require.Equal(t, http.StatusOK, r.status)
	etag = r.header.Get("ETag")
	r = c.do("PUT", "/Users/"+id, user("cond@example.com"), "If-Match", etag+`, W/"nope"`)
	require.Equal(t, http.StatusOK, r.status)
	etag = r.header.Get("ETag")
	assert.Equal(t, http.StatusNoContent, c.do("DELETE", "/Users/"+id, nil, "If-Match", `W/"nope",`+etag).status)
	assert.Equal(t, http.StatusNotFound, c.do("GET", "/Users/"+id, nil, "If-None-Match", "*").status)
}
