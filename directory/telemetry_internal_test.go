package directory

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/scimkit/scim"
)

// telEnv is a Handler with one directory named acme and its token, mounted
// at /scim/.
type telEnv struct {
	h     *Handler
	mux   *http.ServeMux
	dir   Directory
	token string
}

func newTelEnv(t testing.TB, opts ...Option) *telEnv {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := New(NewMemoryRegistry(), NewMemoryBackend(), append([]Option{WithLogger(quiet),
		WithServerOptions(scim.WithLogger(quiet))}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	d, err := h.CreateDirectory(context.Background(), "acme")
	require.NoError(t, err)
	tok, _, err := h.CreateToken(context.Background(), d.ID, "entra")
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/scim/", http.StripPrefix("/scim", h))
	return &telEnv{h: h, mux: mux, dir: d, token: tok}
}

func (e *telEnv) do(method, path, token, body string) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", scim.ContentType)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	return rec
}

const telUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`

// sums returns the data points of the counter named name, keyed by their
// attributes' values in the order of keys.
func sums(t *testing.T, rm metricdata.ResourceMetrics, name string, keys ...attribute.Key) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			sum, ok := m.Data.(metricdata.Sum[int64])
			require.True(t, ok, "%s is an int64 sum", name)
			for _, dp := range sum.DataPoints {
				var parts []string
				for _, k := range keys {
					v, _ := dp.Attributes.Value(k)
					parts = append(parts, v.String())
				}
				out[strings.Join(parts, " ")] += dp.Value
			}
		}
	}
	return out
}

func TestTelemetryRecordsRequestsErrorsLatencyAndSpans(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	e := newTelEnv(t, WithTelemetry(mp, tp))

	created := e.do("POST", "/scim/acme/v2/Users", e.token, telUser)
	require.Equal(t, http.StatusCreated, created.Code)
	id := created.Header().Get("Location")[strings.LastIndexByte(created.Header().Get("Location"), '/')+1:]
	steps := []struct {
		method, path, token, body string
		want                      int
	}{
		{"GET", "/scim/acme/v2/Users/" + id, e.token, "", 200},
		{"GET", "/scim/acme/v2/Users/" + id, e.token, "", 200},
		{"POST", "/scim/acme/v2/Users", e.token, telUser, 409},
		{"GET", "/scim/acme/v2/Users?filter=userName%20eq", e.token, "", 400},
		{"GET", "/scim/acme/v2/Groups/nope", e.token, "", 404},
		{"GET", "/scim/acme/v2/Users/" + id, "scimdir_wrong", "", 401},
	}
	for _, s := range steps {
		assert.Equal(t, s.want, e.do(s.method, s.path, s.token, s.body).Code, "%s %s", s.method, s.path)
	}

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	assert.Equal(t, map[string]int64{
		"acme Users POST 201": 1,
		"acme Users GET 200":  2,
		"acme Users POST 409": 1,
		"acme Users GET 400":  1,
		"acme Groups GET 404": 1,
		" Users GET 401":      1,
	}, sums(t, rm, MetricRequests, AttrDirectory, AttrResourceType, AttrMethod, AttrStatus))
	assert.Equal(t, map[string]int64{
		"acme 409 uniqueness":    1,
		"acme 400 invalidFilter": 1,
		"acme 404 ":              1,
		" 401 ":                  1,
	}, sums(t, rm, MetricErrors, AttrDirectory, AttrStatus, AttrScimType))

	var histCount uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == MetricDuration {
				assert.Equal(t, "s", m.Unit)
				for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
					histCount += dp.Count
				}
			}
		}
	}
	assert.Equal(t, uint64(len(steps)+1), histCount, "every request is in the latency histogram")

	ended := spans.Ended()
	require.Len(t, ended, len(steps), "one span per authenticated request")
	attrs := func(i int) map[attribute.Key]string {
		m := map[attribute.Key]string{}
		for _, kv := range ended[i].Attributes() {
			m[kv.Key] = kv.Value.String()
		}
		return m
	}
	assert.Equal(t, "SCIM POST Users", ended[0].Name())
	assert.Equal(t, id, attrs(0)[AttrResourceID], "a created resource's id is on the span")
	assert.Equal(t, e.dir.ID, attrs(0)[AttrDirectoryID])
	assert.Equal(t, "acme", attrs(1)[AttrDirectory])
	assert.Equal(t, id, attrs(1)[AttrResourceID])
	assert.Equal(t, "200", attrs(1)[AttrStatus])
	assert.Equal(t, "uniqueness", attrs(3)[AttrScimType])
}

// getAllocs returns the allocations of one GET /Users/{id}.
func getAllocs(t *testing.T, e *telEnv) float64 {
	t.Helper()
	res := e.do("POST", "/scim/acme/v2/Users", e.token, telUser)
	require.Equal(t, http.StatusCreated, res.Code)
	req := httptest.NewRequest("GET", res.Header().Get("Location")[len("http://example.com"):], nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	return testing.AllocsPerRun(200, func() {
		rec := httptest.NewRecorder()
		e.mux.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatal(rec.Code)
		}
	})
}

// With no provider installed (the global providers, the default) a GET
// allocates exactly as much as through a Handler with no instrumentation.
func TestTelemetryWithoutProviderCostsNoAllocation(t *testing.T) {
	bare := newTelEnv(t)
	bare.h.tel = nil
	noop := newTelEnv(t)
	without, with := getAllocs(t, bare), getAllocs(t, noop)
	t.Logf("GET allocs/op: %v uninstrumented, %v with no provider installed", without, with)
	assert.Equal(t, without, with)
}

// BenchmarkGetTelemetry compares GET /Users/{id} with no instrumentation,
// with the global providers when none is installed (the default), and
// with an SDK meter and tracer installed.
func BenchmarkGetTelemetry(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []Option
		bare bool
	}{
		{"uninstrumented", nil, true},
		{"no provider", nil, false},
		{"sdk", []Option{WithTelemetry(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
			sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder())))}, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := newTelEnv(b, bc.opts...)
			if bc.bare {
				e.h.tel = nil
			}
			res := e.do("POST", "/scim/acme/v2/Users", e.token, telUser)
			require.Equal(b, http.StatusCreated, res.Code)
			req := httptest.NewRequest("GET", res.Header().Get("Location")[len("http://example.com"):], nil)
			req.Header.Set("Authorization", "Bearer "+e.token)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.mux.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
