// Package replay runs recorded identity-provider request sequences
// against an http.Handler in tests: each step is a request and what its
// response must hold, so that a provider's documented provisioning flow is
// checked end to end.
package replay

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A recording is a sequence of HTTP requests as an identity provider sends
// them (testdata/*.json), with what each must answer. Steps may also call
// the application's own API, to show what provisioning changed there.
//
// Before a step runs, every {{name}} in it is replaced by a value saved by
// an earlier step ("save": {"name": "id"}) or given by the test (token).
type recording struct {
	Description string            `json:"description"`
	Steps       []json.RawMessage `json:"steps"`
}

type step struct {
	Name    string `json:"name"`
	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
	// Status is the expected HTTP status.
	Status int `json:"status"`
	// Headers are expected response headers.
	Headers map[string]string `json:"headers"`
	// Expect maps slash-separated paths into the JSON response
	// ("Resources/0/name/familyName") to their expected values.
	Expect map[string]any `json:"expect"`
	// Absent lists paths that the response must not have.
	Absent []string `json:"absent"`
	// Save maps placeholder names to response paths whose values later
	// steps use.
	Save map[string]string `json:"save"`
}

var placeholder = regexp.MustCompile(`\{\{([A-Za-z0-9_]+)\}\}`)

// T is the part of *testing.T that Run uses.
type T interface {
	require.TestingT
	Helper()
}

// Run replays the recording in file against h and returns vars with the
// values the steps saved added. A step whose response differs from the
// recording fails t.
func Run(t T, h http.Handler, file string, vars map[string]string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var rec recording
	require.NoError(t, json.Unmarshal(raw, &rec), file)
	require.NotEmpty(t, rec.Steps, file)
	for i, rawStep := range rec.Steps {
		text := placeholder.ReplaceAllStringFunc(string(rawStep), func(m string) string {
			v, ok := vars[m[2:len(m)-2]]
			require.Truef(t, ok, "%s step %d: no value for %s", file, i+1, m)
			quoted, _ := json.Marshal(v)
			return string(quoted[1 : len(quoted)-1])
		})
		var s step
		require.NoError(t, json.Unmarshal([]byte(text), &s), "%s step %d", file, i+1)
		label := file + " step " + strconv.Itoa(i+1) + " (" + s.Name + ")"

		var body *bytes.Reader
		if len(s.Request.Body) > 0 && string(s.Request.Body) != "null" {
			body = bytes.NewReader(s.Request.Body)
		} else {
			body = bytes.NewReader(nil)
		}
		req := httptest.NewRequest(s.Request.Method, s.Request.Path, body)
		for k, v := range s.Request.Headers {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		require.Equalf(t, s.Status, w.Code, "%s: response %s", label, w.Body.String())
		for k, v := range s.Headers {
			assert.Equalf(t, v, w.Header().Get(k), "%s: header %s", label, k)
		}
		var doc any
		if w.Body.Len() > 0 {
			require.NoErrorf(t, json.Unmarshal(w.Body.Bytes(), &doc), "%s: %s", label, w.Body.String())
		}
		for path, want := range s.Expect {
			got, ok := lookup(doc, path)
			if assert.Truef(t, ok, "%s: no %s in %s", label, path, w.Body.String()) {
				assert.Equalf(t, want, got, "%s: %s", label, path)
			}
		}
		for _, path := range s.Absent {
			_, ok := lookup(doc, path)
			assert.Falsef(t, ok, "%s: %s should be absent from %s", label, path, w.Body.String())
		}
		for name, path := range s.Save {
			got, ok := lookup(doc, path)
			require.Truef(t, ok, "%s: nothing at %s to save as %s", label, path, name)
			str, ok := got.(string)
			require.Truef(t, ok, "%s: %s is %T, not a string", label, path, got)
			vars[name] = str
		}
	}
	return vars
}

// lookup returns the value at a slash-separated path of object keys and
// array indexes.
func lookup(doc any, path string) (any, bool) {
	for _, key := range strings.Split(path, "/") {
		switch v := doc.(type) {
		case map[string]any:
			next, ok := v[key]
			if !ok {
				return nil, false
			}
			doc = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			doc = v[i]
		default:
			return nil, false
		}
	}
	return doc, true
}
