package directory

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// InstrumentationName is the name of the OpenTelemetry meter and tracer
// the Handler records with.
const InstrumentationName = "github.com/scimkit/scim/directory"

// The metrics a Handler records, with the attributes named below.
const (
	// MetricRequests counts requests by directory, resource type, method
	// and status.
	MetricRequests = "scim.requests"
	// MetricErrors counts responses with a status of 400 or more by
	// directory, status and scimType ("" when the error has none).
	MetricErrors = "scim.errors"
	// MetricDuration is a histogram of the time to serve a request, in
	// seconds, by directory, resource type and method.
	MetricDuration = "scim.request.duration"
)

// The attributes of the metrics and spans.
const (
	// AttrDirectory is the directory's name ("" for a request refused
	// before its directory was known).
	AttrDirectory = attribute.Key("scim.directory")
	// AttrDirectoryID is the directory's id (spans only).
	AttrDirectoryID = attribute.Key("scim.directory.id")
	// AttrResourceType is the endpoint: Users, Groups, Bulk, Me, Schemas,
	// ResourceTypes, ServiceProviderConfig, or "other".
	AttrResourceType = attribute.Key("scim.resource_type")
	// AttrResourceID is the id of the resource the request addressed or
	// created (spans only: ids are unbounded).
	AttrResourceID = attribute.Key("scim.resource.id")
	// AttrScimType is the scimType of an error response.
	AttrScimType = attribute.Key("scim.type")
	// AttrMethod and AttrStatus are the HTTP method and status, named as
	// OpenTelemetry's HTTP semantic conventions name them.
	AttrMethod = attribute.Key("http.request.method")
	AttrStatus = attribute.Key("http.response.status_code")
)

// WithTelemetry records metrics and traces through the given providers
// instead of the global ones (otel.GetMeterProvider and
// otel.GetTracerProvider); a nil provider keeps the global one. By default
// a Handler records through the global providers, which do nothing until
// the host installs an SDK with otel.SetMeterProvider and
// otel.SetTracerProvider, so an application that uses no OpenTelemetry
// pays for none.
func WithTelemetry(mp metric.MeterProvider, tp trace.TracerProvider) Option {
	return optionFunc(func(h *Handler) error {
		h.meterProvider, h.tracerProvider = mp, tp
		return nil
	})
}

// telemetryBodyLimit is how much of a response the Handler keeps, when it
// records telemetry but no log, to read an error's scimType.
const telemetryBodyLimit = 4 << 10

// telemetry holds a Handler's instruments.
type telemetry struct {
	// global is the global TracerProvider as it was when the Handler was
	// made, when the Handler traces through the global one: as long as
	// otel.GetTracerProvider still returns it, no provider is installed
	// and no span is started.
	global   trace.TracerProvider
	tracer   trace.Tracer
	requests metric.Int64Counter
	errors   metric.Int64Counter
	duration metric.Float64Histogram
}

// newTelemetry creates the instruments from the providers, the global ones
// when nil.
func newTelemetry(mp metric.MeterProvider, tp trace.TracerProvider) (*telemetry, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	t := &telemetry{}
	if tp == nil {
		tp = otel.GetTracerProvider()
		t.global = tp
	}
	t.tracer = tp.Tracer(InstrumentationName)
	m := mp.Meter(InstrumentationName)
	var err error
	if t.requests, err = m.Int64Counter(MetricRequests, metric.WithUnit("{request}"),
		metric.WithDescription("SCIM requests by directory, resource type, method and status")); err != nil {
		return nil, err
	}
	if t.errors, err = m.Int64Counter(MetricErrors, metric.WithUnit("{request}"),
		metric.WithDescription("SCIM error responses by directory, status and scimType")); err != nil {
		return nil, err
	}
	if t.duration, err = m.Float64Histogram(MetricDuration, metric.WithUnit("s"),
		metric.WithDescription("Time to serve a SCIM request"),
		metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)); err != nil {
		return nil, err
	}
	return t, nil
}

// metricsOn reports whether any instrument records: with no provider
// installed none does, and the request pays for nothing else.
func (t *telemetry) metricsOn(ctx context.Context) bool {
	return t.requests.Enabled(ctx) || t.errors.Enabled(ctx) || t.duration.Enabled(ctx)
}

// tracing reports whether requests get spans: always with a provider of
// its own, and with the global one once the host has installed one.
func (t *telemetry) tracing() bool {
	return t.global == nil || otel.GetTracerProvider() != t.global
}

// start begins the span of a request. Its attributes are set only when
// the span records.
func (t *telemetry) start(ctx context.Context, r *http.Request, d Directory, rest string) (context.Context, trace.Span) {
	rt := resourceType(rest)
	ctx, span := t.tracer.Start(ctx, spanName(r.Method, rt), serverSpan...)
	if span.IsRecording() {
		span.SetAttributes(AttrDirectory.String(d.Name), AttrDirectoryID.String(d.ID),
			AttrResourceType.String(rt), AttrMethod.String(r.Method))
		if id := resourceID(rest); id != "" {
			span.SetAttributes(AttrResourceID.String(id))
		}
	}
	return ctx, span
}

// end records a served request: its metrics, and the outcome on its span
// (nil for a request refused before a span began).
func (t *telemetry) end(ctx context.Context, span trace.Span, dirName, method, rest string, status int, body []byte, resID string, took time.Duration) {
	recording := span != nil && span.IsRecording()
	if !recording && !t.metricsOn(ctx) {
		return
	}
	scimType := ""
	if status >= 400 {
		var doc struct{ ScimType string }
		if json.Unmarshal(body, &doc) == nil {
			scimType = doc.ScimType
		}
	}
	rt := resourceType(rest)
	if recording {
		span.SetAttributes(AttrStatus.Int(status))
		if resID != "" {
			span.SetAttributes(AttrResourceID.String(resID))
		}
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		if scimType != "" {
			span.SetAttributes(AttrScimType.String(scimType))
		}
	}
	dir := AttrDirectory.String(dirName)
	t.requests.Add(ctx, 1, metric.WithAttributes(dir, AttrResourceType.String(rt), AttrMethod.String(method), AttrStatus.Int(status)))
	t.duration.Record(ctx, took.Seconds(), metric.WithAttributes(dir, AttrResourceType.String(rt), AttrMethod.String(method)))
	if status >= 400 {
		t.errors.Add(ctx, 1, metric.WithAttributes(dir, AttrStatus.Int(status), AttrScimType.String(scimType)))
	}
}

// serverSpan are the options of every request's span, made once so that
// starting a span that does not record allocates as little as it can.
var serverSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}

// spanNames are the spans' names, "SCIM GET Users", made once.
var spanNames = func() map[[2]string]string {
	m := map[[2]string]string{}
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"} {
		for _, rt := range resourceTypes {
			m[[2]string{method, rt}] = "SCIM " + method + " " + rt
		}
		m[[2]string{method, "Root"}] = "SCIM " + method
		m[[2]string{method, "other"}] = "SCIM " + method
	}
	return m
}()

// spanName returns the name of the span of a request.
func spanName(method, rt string) string {
	if n, ok := spanNames[[2]string{method, rt}]; ok {
		return n
	}
	return "SCIM request"
}

// resourceTypes are the endpoints' names in their canonical case.
var resourceTypes = map[string]string{
	"users": "Users", "groups": "Groups", "bulk": "Bulk", "me": "Me", "schemas": "Schemas",
	"resourcetypes": "ResourceTypes", "serviceproviderconfig": "ServiceProviderConfig",
	".search": "Search",
}

// resourceType returns the endpoint of a path relative to the base URL,
// from a fixed set so that a client cannot grow the metrics' cardinality.
func resourceType(rest string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	for lower, rt := range resourceTypes {
		if strings.EqualFold(seg, lower) {
			return rt
		}
	}
	if seg == "" {
		return "Root"
	}
	return "other"
}
