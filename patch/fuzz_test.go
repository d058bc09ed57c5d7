package patch_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// FuzzApply checks that no body makes Parse or Apply panic or modify the
// resource it is given, on a user and on a group.
func FuzzApply(f *testing.F) {
	for _, s := range []string{
		request(`[{"op":"Replace","path":"active","value":"False"}]`),
		request(`[{"op":"add","path":"emails[type eq \"work\"].value","value":"x@y"}]`),
		request(`[{"op":"replace","value":{"name.givenName":"A","` + enterprise + `:employeeNumber":"1"}}]`),
		request(`[{"op":"remove","path":"members[value eq \"a\"]"},{"op":"add","path":"members","value":[{"value":"c"}]}]`),
		request(`[{"op":"remove","path":"members","value":[{"value":"a"}]}]`),
		request(`[{"op":"add","path":"roles[primary eq \"True\"].display","value":"x"}]`),
		request(`[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work"}}]`),
		`{}`, `[]`, request(`[{"op":"add"}]`),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		body, err := schema.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, target := range []struct {
			rt    *schema.ResourceType
			attrs map[string]any
		}{{users, bjensen(t)}, {groups, group(t, "a", "b")}} {
			req, err := patch.Parse(body, target.rt, patch.Options{})
			if err != nil {
				continue
			}
			before := deepCopy(t, target.attrs)
			out, res, err := patch.Apply(target.rt, target.attrs, req)
			if after := deepCopy(t, target.attrs); !equalJSON(before, after) {
				t.Fatalf("Apply modified its input")
			}
			again, _, err2 := patch.Apply(target.rt, target.attrs, req)
			if err != nil {
				var se *schema.Error
				if !errors.As(err, &se) {
					t.Fatalf("Apply returned %T %v, want *schema.Error", err, err)
				}
				if out != nil || res != nil || err2 == nil {
					t.Fatalf("a failed Apply returned attributes or a result, or did not fail again")
				}
				continue
			}
			if err2 != nil || !equalJSON(out, again) {
				t.Fatalf("Apply is not deterministic: %v", err2)
			}
			if differs := !equalJSON(before, deepCopy(t, out)); res.Changed != differs {
				t.Fatalf("Changed is %v but the outcome differs from the input: %v", res.Changed, differs)
			}
		}
	})
}

func equalJSON(a, b map[string]any) bool {
	var x, y bytes.Buffer
	return jsonEncode(&x, a) == nil && jsonEncode(&y, b) == nil && x.String() == y.String()
}
