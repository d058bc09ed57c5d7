package directory_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

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
				// A buffer that never fills: every request is redacted
				// and appended, and that work is in the figure.
				opts = append(opts, directory.WithLog(e.log), directory.WithLogBuffer(1<<20))
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
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.mux.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
			// Flushing inside the timer charges the writer's work
			// (redaction, append) to the requests that caused it.
			require.NoError(b, h.FlushLog(b.Context()))
			b.ReportMetric(float64(h.LogDropped())/float64(b.N), "dropped/op")
		})
	}
}
