package replay

import (
	"net/http"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookup(t *testing.T) {
	doc := map[string]any{"Resources": []any{map[string]any{"id": "1",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Arts"}}}}
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"Resources/0/id", "1", true},
		{"Resources/0/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department", "Arts", true},
		{"Resources/1/id", nil, false},
		{"Resources/x", nil, false},
		{"Resources/0/id/deeper", nil, false},
		{"missing", nil, false},
	}
	for _, tt := range tests {
		got, ok := lookup(doc, tt.path)
		assert.Equal(t, tt.ok, ok, tt.path)
		assert.Equal(t, tt.want, got, tt.path)
	}
}

// The replay fails when the application answers differently from the
// recording: a wrong expectation is caught, not ignored.
func TestReplayDetectsDifferences(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id": "7", "active": true}`))
	})
	dir := t.TempDir()
	write := func(expect string) string {
		f := dir + "/r.json"
		require.NoError(t, os.WriteFile(f, []byte(`{"steps": [{"name": "get", "request": {"method": "GET", "path": "/x"},
			"status": 200, "expect": `+expect+`, "save": {"id": "id"}}]}`), 0o600))
		return f
	}
	vars := Run(t, h, write(`{"active": true}`), map[string]string{})
	assert.Equal(t, "7", vars["id"])

	fake := &recorder{}
	done := make(chan struct{})
	go func() { // a failed require ends the goroutine with runtime.Goexit
		defer close(done)
		Run(fake, h, write(`{"active": false}`), map[string]string{})
	}()
	<-done
	assert.True(t, fake.failed, "a differing value fails the replay")
}

// recorder is a T that records failure instead of failing the test.
type recorder struct{ failed bool }

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) FailNow()              { r.failed = true; runtime.Goexit() }
func (r *recorder) Helper()               {}
