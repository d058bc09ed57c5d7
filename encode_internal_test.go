package scim

import (
	"encoding/json"
	"math/rand/v2"
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
		var keys []string
		for _, a := range rt.Schema.Attributes {
			keys = append(keys, a.Name)
		}
		for _, ext := range rt.Extensions {
			keys = append(keys, ext.Schema.ID)
		}
		keys = append(keys, "id", "meta", "schemas", "unknown", "Ünknown", "urn:example:unknown")
		for i := range 3000 {
			attrs := map[string]any{}
			for range r.IntN(len(keys)) {
				k := keys[r.IntN(len(keys))]
				switch {
				case rt.Extension(k) != nil && r.IntN(4) > 0:
					attrs[k] = randomObject(r, 1, []string{"shown", "secret", "employeeNumber", "manager", "other"})
				case k == "boxes" || k == "emails" || k == "members":
					attrs[k] = []any{randomObject(r, 1, []string{"a", "hidden", "value", "type"}), randomValue(r, 2)}
				default:
					attrs[k] = randomValue(r, 0)
				}
			}
			res := &Resource{Attributes: attrs, Meta: Meta{Version: `W/"` + texts[r.IntN(len(texts))] + `"`}}
			if r.IntN(5) > 0 {
				res.ID = texts[r.IntN(len(texts))] + "-id"
			}
			if r.IntN(3) > 0 {
				res.Meta.Created = time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(time.FixedZone("x", 3600))
				res.Meta.LastModified = res.Meta.Created.Add(time.Duration(r.IntN(1e6)))
			}
			location := "https://example.com/scim/v2" + rt.Endpoint + "/" + res.ID

			shown := *res
			shown.Meta.ResourceType = rt.Name
			shown.Meta.Location = location
			want, wantErr := jsonenc.Append(nil, rt.Project(Document(rt, &shown), schema.Projection{}))
			got, err := appendDefault(nil, e, res, func(buf []byte) []byte { return jsonenc.AppendString(buf, location) })
			if wantErr != nil {
				require.Error(t, err, "resource %d: %#v", i, attrs)
				continue
			}
			require.NoError(t, err, "resource %d", i)
			require.Equal(t, string(want), string(got), "resource %d of %s: %#v", i, rt.Name, attrs)
		}
	}
}
