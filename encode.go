package scim

import (
	"slices"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/jsonenc"
	"github.com/scimkit/scim/schema"
)

// views holds, per endpoint, how the zero projection shows each top-level
// key the resource type defines (schema.ResourceType.DefaultView),
// worked out once; other keys, which canonical resources do not hold,
// are worked out when met.
type views struct {
	rt    *schema.ResourceType
	known map[string]view
}

type view struct {
	schema.View
	// extension says the key is an extension's URN, whose value is shown
	// only when it is an object that is not empty.
	extension bool
}

func newViews(rt *schema.ResourceType) *views {
	v := &views{rt: rt, known: map[string]view{}}
	keys := []string{"id", "externalId", "meta", "schemas"}
	for _, a := range rt.Schema.Attributes {
		keys = append(keys, a.Name)
	}
	for _, ext := range rt.Extensions {
		keys = append(keys, ext.Schema.ID)
	}
	for _, k := range keys {
		v.known[k] = v.work(k)
	}
	return v
}

func (v *views) of(key string) view {
	if got, ok := v.known[key]; ok {
		return got
	}
	return v.work(key)
}

func (v *views) work(key string) view {
	return view{View: v.rt.DefaultView(key), extension: len(key) >= 4 && strings.EqualFold(key[:4], "urn:") && v.rt.Extension(key) != nil}
}

// appendDefault appends the JSON of res as endpoint e shows it with the
// zero projection, byte for byte what encoding
// e.rt.Project(Document(e.rt, res), schema.Projection{}) gives (keys in
// sorted order), without building either map: this is the body of every
// write's response and of every read the store cannot share. location
// writes meta.location's JSON value. layout, when not nil, supplies the
// JSON of objects and lists and records where each member went.
func appendDefault(buf []byte, e *endpoint, res *Resource, location jsonenc.Func, layout *layoutRecorder) ([]byte, error) {
	docStart := len(buf)
	var small [24]string
	keys := small[:0]
	for k := range res.Attributes {
		// Document's own keys replace attributes of the same name.
		if k == "schemas" || k == "meta" || (k == "id" && res.ID != "") {
			continue
		}
		keys = append(keys, k)
	}
	keys = append(keys, "meta", "schemas")
	if res.ID != "" {
		keys = append(keys, "id")
	}
	slices.Sort(keys)
	buf = append(buf, '{')
	first := true
	for _, k := range keys {
		var err error
		start := len(buf)
		if !first {
			buf = append(buf, ',')
		}
		buf = jsonenc.AppendString(buf, k)
		buf = append(buf, ':')
		valueStart := len(buf)
		switch k {
		case "id":
			if res.ID != "" {
				buf = jsonenc.AppendString(buf, res.ID)
				break
			}
			fallthrough
		default:
			v := res.Attributes[k]
			if layout != nil && layout.prev != nil && composite(v) {
				if json, ok := layout.prev.find(k, v); ok {
					buf = append(buf, json...)
					break
				}
			}
			var shown bool
			if buf, shown, err = appendShown(buf, e, k, v); err != nil {
				return nil, err
			}
			if !shown {
				buf = buf[:start]
				continue
			}
		case "meta":
			buf = appendMeta(buf, e, &res.Meta, location)
		case "schemas":
			buf = appendSchemas(buf, e.rt, res.Attributes)
		}
		if layout != nil {
			layout.record(k, valueStart-docStart, len(buf)-docStart)
		}
		first = false
	}
	return append(buf, '}'), nil
}

// layoutRecorder lets appendDefault take the JSON of the objects and lists
// a resource shares with the version before it from that version's
// encoding (prev, which may be nil), and records where it wrote each
// member, for the next version. The arrays hold the records of a typical
// resource; more go to the slices.
type layoutRecorder struct {
	prev      *encodedResource
	n         int
	keys      [24]string
	spans     [48]int32
	moreKeys  []string
	moreSpans []int32
}

// record notes that doc[start:end] is the JSON of the member key.
func (r *layoutRecorder) record(key string, start, end int) {
	if r.n < len(r.keys) {
		r.keys[r.n], r.spans[2*r.n], r.spans[2*r.n+1] = key, int32(start), int32(end)
	} else {
		if r.moreKeys == nil {
			r.moreKeys, r.moreSpans = slices.Clone(r.keys[:]), slices.Clone(r.spans[:])
		}
		r.moreKeys = append(r.moreKeys, key)
		r.moreSpans = append(r.moreSpans, int32(start), int32(end))
	}
	r.n++
}

// recorded returns the members recorded, in order, and their spans.
func (r *layoutRecorder) recorded() ([]string, []int32) {
	if r.moreKeys != nil {
		return r.moreKeys, r.moreSpans
	}
	return r.keys[:r.n], r.spans[:2*r.n]
}

// composite reports whether v is an object or a list, whose JSON is worth
// keeping for the next version.
func composite(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// appendShown appends the value under a top-level attribute key as the
// zero projection shows it, and reports whether it shows it at all.
func appendShown(buf []byte, e *endpoint, key string, v any) ([]byte, bool, error) {
	shown := e.views.of(key)
	switch shown.View {
	case schema.ViewHidden:
		return buf, false, nil
	case schema.ViewPartial:
		projected, ok := e.rt.Project(map[string]any{key: v}, schema.Projection{})[key]
		if !ok {
			return buf, false, nil
		}
		v = projected
	default:
		if m, ok := v.(map[string]any); shown.extension && (!ok || len(m) == 0) {
			return buf, false, nil
		}
	}
	buf, err := jsonenc.Append(buf, v)
	return buf, true, err
}

// appendMeta appends meta as Document writes it, its keys sorted.
func appendMeta(buf []byte, e *endpoint, m *Meta, location jsonenc.Func) []byte {
	buf = append(buf, '{')
	if !m.Created.IsZero() {
		buf = append(buf, `"created":"`...)
		buf = m.Created.UTC().AppendFormat(buf, time.RFC3339Nano)
		buf = append(buf, `",`...)
	}
	if !m.LastModified.IsZero() {
		buf = append(buf, `"lastModified":"`...)
		buf = m.LastModified.UTC().AppendFormat(buf, time.RFC3339Nano)
		buf = append(buf, `",`...)
	}
	buf = append(buf, `"location":`...)
	buf = location(buf)
	buf = append(buf, `,"resourceType":`...)
	buf = jsonenc.AppendString(buf, e.rt.Name)
	if m.Version != "" {
		buf = append(buf, `,"version":`...)
		buf = jsonenc.AppendString(buf, m.Version)
	}
	return append(buf, '}')
}

// appendSchemas appends the schemas attribute as Document builds it: the
// core schema, then each extension the attributes hold.
func appendSchemas(buf []byte, rt *schema.ResourceType, attrs map[string]any) []byte {
	buf = append(buf, '[')
	buf = jsonenc.AppendString(buf, rt.Schema.ID)
	for _, ext := range rt.Extensions {
		if _, ok := attrs[ext.Schema.ID]; ok {
			buf = append(buf, ',')
			buf = jsonenc.AppendString(buf, ext.Schema.ID)
		}
	}
	return append(buf, ']')
}
