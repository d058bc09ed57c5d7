package patch_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// FuzzPatchPath sends one operation with an arbitrary op, path and JSON
// value (the path as a raw string, not through JSON, so that any bytes
// reach the path parser) to Parse and Apply on a user and a group. Nothing
// may panic, every failure must be a *schema.Error, the input must not
// change, and Result.Changed must say whether the outcome differs.
func FuzzPatchPath(f *testing.F) {
	for _, s := range []struct{ op, path, value string }{
		{"add", `emails[type eq "work"].value`, `"x@y"`},
		{"Replace", `name.givenName`, `"A"`},
		{"remove", `members[value eq "a"]`, ``},
		{"remove", `members`, `[{"value":"a"}]`},
		{"replace", enterprise + `:manager`, `"m-1"`},
		{"replace", enterprise + `:manager.value`, `{"value":"x"}`},
		{"add", `emails[type eq "work" and primary eq true]`, `{"value":"w@x"}`},
		{"add", `addresses[type eq "work"].locality`, `1`},
		{"replace", `urn:ietf:params:scim:schemas:core:2.0:User:userName`, `"u2"`},
		{"remove", `emails[not (type eq "work")]`, ``},
		{"add", ``, `{"name.familyName":"J","active":"False"}`},
		{"remove", `emails[`, ``},
		{"remove", `a.b.c.d`, ``},
		{"add", `members[value eq "a"].display`, `"d"`},
		{"remove", "displayName\x00", ``},
	} {
		f.Add(s.op, s.path, []byte(s.value))
	}
	f.Fuzz(func(t *testing.T, op, path string, value []byte) {
		operation := map[string]any{"op": op, "path": path}
		if len(value) > 0 {
			wrapped, err := schema.Decode(strings.NewReader(`{"v":` + string(value) + `}`))
			if err != nil || len(wrapped) != 1 {
				operation["value"] = string(value)
			} else {
				operation["value"] = wrapped["v"]
			}
		}
		body := map[string]any{"schemas": []any{patch.PatchOpURN}, "Operations": []any{operation}}
		for _, target := range []struct {
			rt    *schema.ResourceType
			attrs map[string]any
		}{{users, bjensen(t)}, {groups, group(t, "a", "b")}} {
			req, err := patch.Parse(body, target.rt, patch.Options{})
			if err != nil {
				requireSchemaError(t, "Parse", err)
				continue
			}
			before := deepCopy(t, target.attrs)
			out, res, err := patch.Apply(target.rt, target.attrs, req)
			if !equalJSON(before, deepCopy(t, target.attrs)) {
				t.Fatalf("Apply(%q %q) modified its input", op, path)
			}
			if err != nil {
				requireSchemaError(t, "Apply", err)
				continue
			}
			if differs := !equalJSON(before, deepCopy(t, out)); res.Changed != differs {
				t.Fatalf("Apply(%q %q): Changed is %v but the outcome differs: %v", op, path, res.Changed, differs)
			}
		}
	})
}

func requireSchemaError(t *testing.T, what string, err error) {
	t.Helper()
	var se *schema.Error
	if !errors.As(err, &se) {
		t.Fatalf("%s returned %T %v, want *schema.Error", what, err, err)
	}
}
