package patch_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

var (
	users  = schema.UserResourceType()
	groups = schema.GroupResourceType()
)

const enterprise = schema.EnterpriseUserSchemaURN

// decode turns JSON text into the JSON object model, as schema.Decode does.
func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	m, err := schema.Decode(strings.NewReader(s))
	require.NoError(t, err, s)
	return m
}

// canonical returns a user or group body as canonical attributes.
func canonical(t testing.TB, rt *schema.ResourceType, body string) map[string]any {
	t.Helper()
	attrs, err := rt.Canonicalize(decode(t, body), nil, schema.Options{})
	require.NoError(t, err)
	return attrs
}

func request(ops string) string {
	return `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ` + ops + `}`
}

// apply parses and applies ops, checking that the input is not modified.
func apply(t testing.TB, rt *schema.ResourceType, attrs map[string]any, ops string) (map[string]any, *patch.Result, error) {
	t.Helper()
	req, err := patch.Parse(decode(t, request(ops)), rt, patch.Options{})
	if err != nil {
		return nil, nil, err
	}
	before := deepCopy(t, attrs)
	out, res, err := patch.Apply(rt, attrs, req)
	require.Equal(t, before, attrs, "Apply must not modify its input")
	return out, res, err
}

func mustApply(t testing.TB, rt *schema.ResourceType, attrs map[string]any, ops string) (map[string]any, *patch.Result) {
	t.Helper()
	out, res, err := apply(t, rt, attrs, ops)
	require.NoError(t, err)
	return out, res
}

func deepCopy(t testing.TB, v map[string]any) map[string]any {
	data, err := json.Marshal(v)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(data, &out))
	return normalise(out).(map[string]any)
}

// normalise makes numbers comparable after a JSON round trip.
func normalise(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalise(e)
		}
	case []any:
		for i, e := range v {
			v[i] = normalise(e)
		}
	}
	return v
}

func requireScimError(t *testing.T, err error, want schema.ErrorType) {
	t.Helper()
	var se *schema.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, want, se.Code, se.Detail)
}

func bjensen(t testing.TB) map[string]any {
	return canonical(t, users, `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "bjensen", "displayName": "Babs",
		"name": {"givenName": "Barbara", "familyName": "Jensen"},
		"emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
		           {"value": "babs@jensen.org", "type": "home"}],
		"addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}],
		"active": true}`)
}

func group(t testing.TB, ids ...string) map[string]any {
	members := make([]any, len(ids))
	for i, id := range ids {
		members[i] = map[string]any{"value": id}
	}
	body := map[string]any{"schemas": []any{schema.GroupSchemaURN}, "displayName": "Tour Guides", "members": members}
	attrs, err := groups.Canonicalize(body, nil, schema.Options{})
	require.NoError(t, err)
	return attrs
}

func TestApplySemantics(t *testing.T) {
	t.Run("add to a complex attribute merges", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"add","path":"name","value":{"middleName":"Jane"}}]`)
		assert.Equal(t, map[string]any{"givenName": "Barbara", "familyName": "Jensen", "middleName": "Jane"}, out["name"])
	})
	t.Run("replace of a complex attribute keeps unnamed sub-attributes", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"replace","path":"name","value":{"givenName":"Babs"}}]`)
		assert.Equal(t, map[string]any{"givenName": "Babs", "familyName": "Jensen"}, out["name"])
	})
	t.Run("primary true on an added value clears the others", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"add","path":"emails","value":[{"value":"new@example.com","type":"other","primary":true}]}]`)
		primaries := 0
		for _, e := range out["emails"].([]any) {
			if e.(map[string]any)["primary"] == true {
				primaries++
				assert.Equal(t, "new@example.com", e.(map[string]any)["value"])
			}
		}
		assert.Equal(t, 1, primaries)
	})
	t.Run("primary set through a filter clears the others", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}]`)
		emails := out["emails"].([]any)
		assert.Equal(t, false, emails[0].(map[string]any)["primary"], "RFC 7644 §3.5.2: the others become false")
		assert.Equal(t, true, emails[1].(map[string]any)["primary"])
	})
	t.Run("remove a sub-attribute", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"remove","path":"name.givenName"}]`)
		assert.Equal(t, map[string]any{"familyName": "Jensen"}, out["name"])
	})
	t.Run("nothing changed", func(t *testing.T) {
		_, res := mustApply(t, users, bjensen(t), `[{"op":"replace","path":"displayName","value":"Babs"},{"op":"remove","path":"emails[type eq \"none\"]"}]`)
		assert.False(t, res.Changed)
	})
	t.Run("values are type-checked", func(t *testing.T) {
		_, _, err := apply(t, users, bjensen(t), `[{"op":"replace","path":"active","value":"maybe"}]`)
		requireScimError(t, err, schema.InvalidValue)
		_, _, err = apply(t, users, bjensen(t), `[{"op":"replace","path":"name","value":5}]`)
		requireScimError(t, err, schema.InvalidValue)
	})
	t.Run("mutability", func(t *testing.T) {
		for _, ops := range []string{
			`[{"op":"replace","path":"id","value":"x"}]`,
			`[{"op":"remove","path":"userName"}]`,
			`[{"op":"replace","path":"groups","value":[{"value":"g"}]}]`,
			`[{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}]`,
		} {
			_, _, err := apply(t, users, bjensen(t), ops)
			requireScimError(t, err, schema.MutabilityError)
		}
		_, _, err := apply(t, groups, group(t, "a"), `[{"op":"replace","path":"members[value eq \"a\"].value","value":"b"}]`)
		requireScimError(t, err, schema.MutabilityError)
	})
	t.Run("a failed request changes nothing", func(t *testing.T) {
		attrs := bjensen(t)
		_, _, err := apply(t, users, attrs, `[{"op":"replace","path":"displayName","value":"Changed"},{"op":"add","path":"emails","value":[{"value":"x@y"}]},{"op":"remove","path":"userName"}]`)
		requireScimError(t, err, schema.MutabilityError)
		assert.Equal(t, "Babs", attrs["displayName"])
		assert.Len(t, attrs["emails"], 2)
	})
	t.Run("extension attributes", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"add","path":"`+enterprise+`:department","value":"Tour Operations"},
			{"op":"add","path":"`+enterprise+`","value":{"costCenter":"4130"}}]`)
		assert.Equal(t, map[string]any{"department": "Tour Operations", "costCenter": "4130"}, out[enterprise])
		out, _ = mustApply(t, users, out, `[{"op":"remove","path":"`+enterprise+`:department"},{"op":"remove","path":"`+enterprise+`:costCenter"}]`)
		assert.NotContains(t, out, enterprise, "an empty extension is removed")
	})
}

func TestParseErrors(t *testing.T) {
	tests := map[string]schema.ErrorType{
		`{"Operations":[{"op":"add","path":"nickName","value":"x"}]}`: schema.InvalidSyntax,
		request(`[]`): schema.InvalidSyntax,
		request(`{}`): schema.InvalidSyntax,
		request(`[{"op":"merge","path":"nickName","value":"x"}]`): schema.InvalidSyntax,
		request(`[5]`): schema.InvalidSyntax,
		request(`[{"op":"add","path":"nickName"}]`):                schema.InvalidValue,
		request(`[{"op":"add","value":"x"}]`):                      schema.InvalidValue,
		request(`[{"op":"add","path":"favourite","value":"x"}]`):   schema.InvalidPath,
		request(`[{"op":"add","path":5,"value":"x"}]`):             schema.InvalidPath,
		request(`[{"op":"remove","path":"emails[type eq]"}]`):      schema.InvalidFilter,
		request(`[{"op":"remove","path":"emails[type eq \"w\""}]`): schema.InvalidPath,
	}
	for body, want := range tests {
		t.Run(body, func(t *testing.T) {
			_, err := patch.Parse(decode(t, body), users, patch.Options{})
			requireScimError(t, err, want)
		})
	}
	many := make([]string, 3)
	for i := range many {
		many[i] = `{"op":"add","path":"nickName","value":"x"}`
	}
	_, err := patch.Parse(decode(t, request("["+strings.Join(many, ",")+"]")), users, patch.Options{MaxOperations: 2})
	requireScimError(t, err, schema.InvalidValue)
}

func TestMemberDelta(t *testing.T) {
	tests := []struct {
		name, ops string
		ok        bool
		want      patch.Delta
	}{
		{"add", `[{"op":"add","path":"members","value":[{"value":"a"}]}]`, true, patch.Delta{Add: []map[string]any{{"value": "a"}}}},
		{"remove by filter", `[{"op":"remove","path":"members[value eq \"a\"]"}]`, true, patch.Delta{Remove: []string{"a"}}},
		{"remove by value", `[{"op":"Remove","path":"members","value":[{"value":"a"}]}]`, true, patch.Delta{Remove: []string{"a"}}},
		{"remove all", `[{"op":"remove","path":"members"}]`, true, patch.Delta{RemoveAll: true}},
		{"replace", `[{"op":"replace","path":"members","value":[{"value":"b"}]}]`, true, patch.Delta{RemoveAll: true, Add: []map[string]any{{"value": "b"}}}},
		{"path-less", `[{"op":"replace","value":{"members":[{"value":"b"}]}}]`, true, patch.Delta{RemoveAll: true, Add: []map[string]any{{"value": "b"}}}},
		{"add then remove", `[{"op":"add","path":"members","value":[{"value":"a"}]},{"op":"remove","path":"members[value eq \"a\"]"}]`, true, patch.Delta{Remove: []string{"a"}}},
		{"remove by an or filter", `[{"op":"remove","path":"members[value eq \"a\" or value eq \"z\"]"}]`, true, patch.Delta{Remove: []string{"a", "z"}}},
		{"remove then add back", `[{"op":"remove","path":"members[value eq \"a\"]"},{"op":"add","path":"members","value":[{"value":"a","display":"A"}]}]`, true, patch.Delta{Remove: []string{"a"}, Add: []map[string]any{{"value": "a", "display": "A"}}}},
		{"remove all then add", `[{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"b"},{"value":"b","display":"B"}]}]`, true, patch.Delta{RemoveAll: true, Add: []map[string]any{{"value": "b"}}}},
		{"path-less with schemas and an echoed id", `[{"op":"add","value":{"schemas":["x"],"id":"g","members":[{"value":"b"}]}}]`, true, patch.Delta{Add: []map[string]any{{"value": "b"}}}},
		{"replace with an empty array", `[{"op":"replace","path":"members","value":[]}]`, true, patch.Delta{RemoveAll: true}},
		{"remove by a filter on display", `[{"op":"remove","path":"members[display eq \"a\"]"}]`, false, patch.Delta{}},
		{"remove by a value with display", `[{"op":"remove","path":"members","value":[{"value":"a","display":"A"}]}]`, false, patch.Delta{}},
		{"add a member without id", `[{"op":"add","path":"members","value":[{"display":"A"}]}]`, false, patch.Delta{}},
		{"add a member of the wrong type", `[{"op":"add","path":"members","value":[{"value":5}]}]`, false, patch.Delta{}},
		{"path-less with displayName", `[{"op":"add","value":{"displayName":"x","members":[{"value":"b"}]}}]`, false, patch.Delta{}},
		{"displayName too", `[{"op":"add","path":"members","value":[{"value":"a"}]},{"op":"replace","path":"displayName","value":"x"}]`, false, patch.Delta{}},
		{"member sub-attribute", `[{"op":"replace","path":"members[value eq \"a\"].display","value":"x"}]`, false, patch.Delta{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := patch.Parse(decode(t, request(tt.ops)), groups, patch.Options{})
			require.NoError(t, err)
			got, ok := req.MemberDelta(groups)
			require.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
			if ok {
				// The delta has the same effect as Apply.
				attrs := group(t, "a", "z")
				out, _, err := patch.Apply(groups, attrs, req)
				require.NoError(t, err)
				assert.ElementsMatch(t, patch.MemberIDs(out), applyDelta([]string{"a", "z"}, got))
			}
		})
	}
	_, ok := (&patch.Request{}).MemberDelta(users)
	assert.False(t, ok, "users have no members")
}

func applyDelta(ids []string, d patch.Delta) []string {
	if d.RemoveAll {
		ids = nil
	}
	var out []string
	for _, id := range ids {
		if !slicesContains(d.Remove, id) {
			out = append(out, id)
		}
	}
	for _, m := range d.Add {
		if id := m["value"].(string); !slicesContains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func slicesContains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestMemberDeltaWithAnotherInstanceOfTheResourceType(t *testing.T) {
	req, err := patch.Parse(decode(t, request(`[{"op":"add","path":"members","value":[{"value":"a"}]}]`)), schema.GroupResourceType(), patch.Options{})
	require.NoError(t, err)
	_, ok := req.MemberDelta(schema.GroupResourceType())
	assert.True(t, ok, "a store's resource type is not the server's instance")
}

func TestParseAcceptsAnyCase(t *testing.T) {
	body := decode(t, `{"SCHEMAS": ["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],
		"operations": [{"OP": "REPLACE", "Path": "NAME.GIVENNAME", "Value": "Babs"}, {"op": "Remove", "path": " nickName "}]}`)
	req, err := patch.Parse(body, users, patch.Options{})
	require.NoError(t, err)
	require.Len(t, req.Operations, 2)
	assert.Equal(t, patch.Replace, req.Operations[0].Op)
	assert.Equal(t, "givenName", req.Operations[0].Path.Target.Sub.Name)
	assert.Equal(t, "Babs", req.Operations[0].Value)
	assert.Equal(t, patch.Remove, req.Operations[1].Op)
	assert.Equal(t, "nickName", req.Operations[1].RawPath)
}

func TestParseBoundsOperations(t *testing.T) {
	ops := make([]string, patch.DefaultMaxOperations+1)
	for i := range ops {
		ops[i] = `{"op":"add","path":"nickName","value":"x"}`
	}
	_, err := patch.Parse(decode(t, request("["+strings.Join(ops, ",")+"]")), users, patch.Options{})
	requireScimError(t, err, schema.InvalidValue)
	_, err = patch.Parse(decode(t, request("["+strings.Join(ops[1:], ",")+"]")), users, patch.Options{})
	require.NoError(t, err, "the default bound is inclusive")
}
