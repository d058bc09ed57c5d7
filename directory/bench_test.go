package directory_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/directory"
)

// BenchmarkGet measures GET /Users/{id} through the Handler with and
// without the request log, and through one of 1,000 directories: compare
// the ns/op of the sub-benchmarks (the log's cost and the cost of many
// directories are their ratios to "no log").
func BenchmarkGet(b *testing.B) {
	for _, bc := range []struct {
		name string
		log  bool
		dirs int
	}{
		{"no log", false, 1},
		{"log", true, 1},
		{"no log, 1000 directories", false, 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var opts []directory.Option
			e := &env{reg: directory.NewMemoryRegistry(), be: directory.NewMemoryBackend()}
			if bc.log {
				e.log = directory.NewMemoryLog(directory.MemoryLogOptions{})
				opts = append(opts, directory.WithLog(e.log))
			}
			h, err := directory.New(e.reg, e.be, append(opts, directory.WithLogger(quiet()), directory.WithBaseURL("https://example.com/scim"))...)
			require.NoError(b, err)
			defer h.Close()
			e.h = h
			e.mux = http.NewServeMux()
			e.mux.Handle("/scim/", http.StripPrefix("/scim", h))
			var path, token string
			for i := range bc.dirs {
				_, tok := e.dir(b, fmt.Sprintf("d%d", i))
				res := e.do("POST", fmt.Sprintf("/scim/d%d/v2/Users", i), tok, `{"schemas":["`+userSchema+`"],"userName":"bjensen"}`)
				require.Equal(b, 201, res.status)
				path, token = fmt.Sprintf("/scim/d%d/v2/Users/%s", i, str(res.body["id"])), tok
			}
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.mux.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body.String())
				}
				// Wait for the writer now and then, before the buffer
				// fills: every request is then redacted and appended,
				// and that work is in the figure.
				if i++; bc.log && i%(directory.DefaultLogBuffer/2) == 0 {
					require.NoError(b, h.FlushLog(b.Context()))
				}
			}
			// Flushing inside the timer charges the writer's work
			// (redaction, append) to the requests that caused it.
			require.NoError(b, h.FlushLog(b.Context()))
			b.ReportMetric(float64(h.LogDropped())/float64(b.N), "dropped/op")
		})
	}
}

// The work of a request does not grow with the number of directories:
// a GET in one of 300 directories allocates as much as in the only one.
func TestRequestCostIsFlatInTheNumberOfDirectories(t *testing.T) {
	allocs := func(dirs int) float64 {
		// No log: its background writer would allocate while the
		// requests are counted.
		e := &env{reg: directory.NewMemoryRegistry(), be: directory.NewMemoryBackend()}
		h, err := directory.New(e.reg, e.be, directory.WithLogger(quiet()), directory.WithBaseURL("https://example.com/scim"))
		require.NoError(t, err)
		defer h.Close()
		e.h, e.mux = h, http.NewServeMux()
		e.mux.Handle("/scim/", http.StripPrefix("/scim", h))
		var path, token string
		for i := range dirs {
			_, tok := e.dir(t, fmt.Sprintf("d%d", i))
			res := e.do("POST", fmt.Sprintf("/scim/d%d/v2/Users", i), tok, `{"schemas":["`+userSchema+`"],"userName":"bjensen"}`)
			require.Equal(t, 201, res.status)
			path, token = fmt.Sprintf("/scim/d%d/v2/Users/%s", i, str(res.body["id"])), tok
		}
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return testing.AllocsPerRun(200, func() {
			rec := httptest.NewRecorder()
			e.mux.ServeHTTP(rec, req)
		})
	}
	one, many := allocs(1), allocs(300)
	assert.InDelta(t, 1.0, many/one, 0.05, "allocations per GET: %v with one directory, %v with 300", one, many)
}
