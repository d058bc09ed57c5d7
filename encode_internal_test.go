package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/jsonenc"
	"github.com/scimkit/scim/schema"
)

// thingType has an attribute for every way the zero projection treats a
// value: shown whole, hidden (returned never and request), and a complex
// attribute and an extension with hidden sub-attributes, so partly shown.
func thingType(t *testing.T) *schema.ResourceType {
	rt := &schema.ResourceType{Name: "Thing", Endpoint: "/Things", Schema: &schema.Schema{
		ID: "urn:example:params:scim:schemas:2.0:Thing",
		Attributes: []*schema.Attribute{
			{Name: "always", Type: schema.String, Returned: schema.ReturnedAlways},
			{Name: "never", Type: schema.String, Returned: schema.ReturnedNever},
			{Name: "plain", Type: schema.String},
			{Name: "onRequest", Type: schema.String, Returned: schema.ReturnedRequest},
			{Name: "box", Type: schema.Complex, SubAttributes: []*schema.Attribute{
				{Name: "a", Type: schema.String},
				{Name: "hidden", Type: schema.String, Returned: schema.ReturnedNever},
				{Name: "extra", Type: schema.String, Returned: schema.ReturnedRequest},
			}},
			{Name: "boxes", Type: schema.Complex, MultiValued: true, SubAttributes: []*schema.Attribute{
				{Name: "a", Type: schema.String},
				{Name: "hidden", Type: schema.String, Returned: schema.ReturnedNever},
			}},
		},
	}, Extensions: []schema.SchemaExtension{
		{Schema: &schema.Schema{ID: "urn:example:params:scim:schemas:extension:2.0:Secret", Attributes: []*schema.Attribute{
			{Name: "shown", Type: schema.String},
			{Name: "secret", Type: schema.String, Returned: schema.ReturnedNever},
		}}},
	}}
	require.NoError(t, rt.Validate())
	return rt
}

// texts are strings that JSON escapes in every way it can.
var texts = []string{"", "plain", "Ünïcödé ✓", "日本語", "quote\" back\\slash", "ctl\x01\n\t\r\b\f",
	"line\u2028sep\u2029", "bad\xffutf8", "<&>", "😀 emoji", "urn:example:value"}

// randomValue draws a JSON value of the shapes a resource holds.
func randomValue(r *rand.Rand, depth int) any {
	switch n := r.IntN(9); {
	case n == 0:
		return nil
	case n == 1:
		return r.IntN(2) == 0
	case n == 2:
		return json.Number("12.5e3")
	case n == 3:
		return r.Float64() * 1e6
	case n == 4 && depth < 3:
		list := make([]any, r.IntN(4))
		for i := range list {
			list[i] = randomValue(r, depth+1)
		}
		return list
	case n == 5 && depth < 3:
		return randomObject(r, depth+1, []string{"a", "hidden", "extra", "value", "Ü", "display"})
	default:
		return texts[r.IntN(len(texts))]
	}
}

func randomObject(r *rand.Rand, depth int, keys []string) map[string]any {
	m := map[string]any{}
	for range r.IntN(len(keys) + 1) {
		m[keys[r.IntN(len(keys))]] = randomValue(r, depth)
	}
	return m
}

// randomKeys returns the top-level keys random resources of rt are made
// of: every key of the schema, keys named id, meta and schemas, and
// unknown ones.
func randomKeys(rt *schema.ResourceType) []string {
	var keys []string
	for _, a := range rt.Schema.Attributes {
		keys = append(keys, a.Name)
	}
	for _, ext := range rt.Extensions {
		keys = append(keys, ext.Schema.ID)
	}
	return append(keys, "id", "meta", "schemas", "unknown", "Ünknown", "urn:example:unknown")
}

// randomAttribute draws a value for the top-level key k of rt.
func randomAttribute(r *rand.Rand, rt *schema.ResourceType, k string) any {
	switch {
	case rt.Extension(k) != nil && r.IntN(4) > 0:
		return randomObject(r, 1, []string{"shown", "secret", "employeeNumber", "manager", "other"})
	case k == "boxes" || k == "emails" || k == "members":
		return []any{randomObject(r, 1, []string{"a", "hidden", "value", "type"}), randomValue(r, 2)}
	default:
		return randomValue(r, 0)
	}
}

// randomResource draws a resource of rt: random attributes, extensions
// empty, full or not objects, sometimes no id or no timestamps.
func randomResource(r *rand.Rand, rt *schema.ResourceType, keys []string) *Resource {
	attrs := map[string]any{}
	for range r.IntN(len(keys)) {
		k := keys[r.IntN(len(keys))]
		attrs[k] = randomAttribute(r, rt, k)
	}
	res := &Resource{Attributes: attrs, Meta: Meta{Version: `W/"` + texts[r.IntN(len(texts))] + `"`}}
	if r.IntN(5) > 0 {
		res.ID = texts[r.IntN(len(texts))] + "-id"
	}
	if r.IntN(3) > 0 {
		res.Meta.Created = time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(time.FixedZone("x", 3600))
		res.Meta.LastModified = res.Meta.Created.Add(time.Duration(r.IntN(1e6)))
	}
	return res
}

// TestAppendDefaultMatchesProject: the resource encoder that skips
// building the document writes, byte for byte, what encoding the
// projected document writes, for User, Group and a resource type with
// every kind of returned characteristic, over random resources: every
// key of the schema and unknown ones, extensions empty, full, or not
// objects, keys named id, meta and schemas among the attributes, no id,
// no timestamps, and strings JSON must escape.
func TestAppendDefaultMatchesProject(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, rt := range []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType(), thingType(t)} {
		e := &endpoint{rt: rt, views: newViews(rt)}
		keys := randomKeys(rt)
		for i := range 3000 {
			res := randomResource(r, rt, keys)
			attrs := res.Attributes
			location := "https://example.com/scim/v2" + rt.Endpoint + "/" + res.ID

			shown := *res
			shown.Meta.ResourceType = rt.Name
			shown.Meta.Location = location
			want, wantErr := jsonenc.Append(nil, rt.Project(Document(rt, &shown), schema.Projection{}))
			got, err := appendDefault(nil, e, res, func(buf []byte) []byte { return jsonenc.AppendString(buf, location) }, nil)
			if wantErr != nil {
				require.Error(t, err, "resource %d: %#v", i, attrs)
				continue
			}
			require.NoError(t, err, "resource %d", i)
			require.Equal(t, string(want), string(got), "resource %d of %s: %#v", i, rt.Name, attrs)
		}
	}
}

// TestSnapshotAfterEncodesAsNew: a snapshot made with NewSnapshotAfter
// encodes, byte for byte, as the same resource encoded from scratch,
// over random pairs of versions of User, Group and a resource type with
// every kind of returned characteristic: the later version keeps some of
// the earlier's values (the same objects and lists), replaces others
// with equal or different ones, drops some and adds new ones.
func TestSnapshotAfterEncodesAsNew(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	s := &Server{}
	const base = "https://example.com/scim/v2"
	reused, spliced := 0, 0
	for _, rt := range []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType(), thingType(t)} {
		e := &endpoint{rt: rt, views: newViews(rt)}
		keys := randomKeys(rt)
		for i := range 1000 {
			before := randomResource(r, rt, keys)
			prev := NewSnapshot(before)
			if r.IntN(4) > 0 { // an earlier version that was never encoded has nothing to give
				_, ok := s.appendSnapshot(nil, base, e, prev)
				if !ok {
					continue
				}
			}
			// A chain of versions, each made from the one before, as
			// successive writes make them.
			for step := range 4 {
				attrs := maps.Clone(prev.res.Attributes)
				for range r.IntN(4) {
					k := keys[r.IntN(len(keys))]
					switch r.IntN(4) {
					case 0:
						delete(attrs, k)
					case 1:
						attrs[k] = randomAttribute(r, rt, k)
					case 2:
						if v, ok := attrs[k].(map[string]any); ok {
							attrs[k] = maps.Clone(v) // equal, not the same
						}
					default:
						// Numbers equal as floats that encode differently.
						if v, ok := attrs[k].(float64); ok && v == 0 {
							attrs[k] = math.Copysign(0, -math.Copysign(1, v))
						} else {
							attrs[k] = 0.0
						}
					}
				}
				after := &Resource{ID: prev.res.ID, Attributes: attrs, Meta: prev.res.Meta}
				after.Meta.Version = fmt.Sprintf(`W/"%d"`, step)
				if r.IntN(2) == 0 {
					after.Meta.LastModified = after.Meta.LastModified.Add(time.Duration(r.IntN(1e12)))
				}
				location := base + rt.Endpoint + "/" + url.PathEscape(after.ID)
				want, wantErr := appendDefault(nil, e, after, func(buf []byte) []byte { return jsonenc.AppendString(buf, location) }, nil)
				snap := NewSnapshotAfter(prev, after)
				got, ok := s.appendSnapshot(nil, base, e, snap)
				if wantErr != nil {
					require.False(t, ok, "chain %d of %s, step %d: %#v", i, rt.Name, step, attrs)
					break
				}
				require.True(t, ok, "chain %d of %s, step %d", i, rt.Name, step)
				require.Equal(t, string(want), string(got), "chain %d of %s, step %d: %#v after %#v", i, rt.Name, step, attrs, prev.res.Attributes)
				if p := prev.enc.Load(); p != nil {
					if _, ok := splice(e, after, p, rt.Endpoint+"/"+url.PathEscape(after.ID)); ok {
						spliced++
					} else {
						for k, v := range after.Attributes {
							if _, ok := p.find(k, v); ok {
								reused++
							}
						}
					}
				}
				require.Nil(t, snap.prev.Load(), "an encoded snapshot lets go of the earlier encoding")
				prev = snap
			}
		}
	}
	t.Logf("%d versions spliced into the earlier encoding, %d values taken from it by the others", spliced, reused)
	require.Greater(t, spliced, 1000, "versions that changed a few values are spliced into the earlier encoding")
	require.Greater(t, reused, 1000, "values shared between versions are taken from the earlier encoding")
}

// TestSnapshotAfterReusesOnlyTheSameValues: the JSON of an object the new
// version shares with the old is taken from the old encoding, and that of
// an equal object that is not the same one is encoded anew. The old
// encoding's bytes are altered to tell the two apart.
func TestSnapshotAfterReusesOnlyTheSameValues(t *testing.T) {
	rt := schema.UserResourceType()
	e := &endpoint{rt: rt, views: newViews(rt)}
	s := &Server{}
	name := map[string]any{"givenName": "Barbara"}
	before := &Resource{ID: "1", Attributes: map[string]any{"userName": "bjensen", "name": name, "active": true}}
	prev := NewSnapshot(before)
	_, ok := s.appendSnapshot(nil, "https://x", e, prev)
	require.True(t, ok)
	enc := prev.enc.Load()
	i := bytes.Index(enc.doc, []byte("Barbara"))
	require.Positive(t, i)
	copy(enc.doc[i:], "XXXXXXX")

	shared := &Resource{ID: "1", Attributes: map[string]any{"userName": "bjensen", "name": name, "active": false}}
	got, ok := s.appendSnapshot(nil, "https://x", e, NewSnapshotAfter(prev, shared))
	require.True(t, ok)
	require.Contains(t, string(got), `"name":{"givenName":"XXXXXXX"}`, "the shared object's JSON comes from the old encoding")
	require.Contains(t, string(got), `"active":false`)

	equal := &Resource{ID: "1", Attributes: map[string]any{"userName": "bjensen", "name": maps.Clone(name), "active": false}}
	got, ok = s.appendSnapshot(nil, "https://x", e, NewSnapshotAfter(prev, equal))
	require.True(t, ok)
	require.Contains(t, string(got), `"name":{"givenName":"Barbara"}`, "an equal object is encoded anew")
}
