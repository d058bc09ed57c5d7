// Package scimtest sends the example applications' SCIM requests in
// tests.
package scimtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Do sends a SCIM request with body to h, authenticated with the bearer
// token, and returns the status and the decoded JSON answer (nil when
// the answer has no body).
func Do(t testing.TB, h http.Handler, token, method, target, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var doc map[string]any
	if w.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &doc), w.Body.String())
	}
	return w.Code, doc
}
