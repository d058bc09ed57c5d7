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
	out, res, err := patch.Apply(rt, attrs, req, patch.Options{})
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
	assert.Equal(t, want, se.Type, se.Detail)
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

// TestRFC7644Examples applies the examples of RFC 7644 §3.5.2.
func TestRFC7644Examples(t *testing.T) {
	t.Run("3.5.2.1 add a member", func(t *testing.T) {
		out, res := mustApply(t, groups, group(t, "a"), `[{"op":"add","path":"members","value":[{"display":"Babs Jensen","$ref":"https://example.com/v2/Users/2819c223","value":"2819c223"}]}]`)
		assert.Equal(t, []string{"a", "2819c223"}, patch.MemberIDs(out))
		assert.Equal(t, []string{"2819c223"}, res.MembersAdded)
		assert.True(t, res.Changed)
	})
	t.Run("3.5.2.1 add without path", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}]`)
		assert.Len(t, out["emails"], 2, "an equal value is not added twice")
		assert.Equal(t, "Babs", out["nickName"])
	})
	t.Run("3.5.2.2 remove one member", func(t *testing.T) {
		out, res := mustApply(t, groups, group(t, "a", "2819c223"), `[{"op":"remove","path":"members[value eq \"2819c223\"]"}]`)
		assert.Equal(t, []string{"a"}, patch.MemberIDs(out))
		assert.Equal(t, []string{"2819c223"}, res.MembersRemoved)
	})
	t.Run("3.5.2.2 remove all members", func(t *testing.T) {
		out, _ := mustApply(t, groups, group(t, "a", "b"), `[{"op":"remove","path":"members"}]`)
		assert.NotContains(t, out, "members")
	})
	t.Run("3.5.2.2 remove with a complex filter", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"remove","path":"emails[type eq \"work\" and value ew \"example.com\"]"}]`)
		assert.Equal(t, []any{map[string]any{"value": "babs@jensen.org", "type": "home"}}, out["emails"])
	})
	t.Run("3.5.2.2 remove and add members in one request", func(t *testing.T) {
		out, _ := mustApply(t, groups, group(t, "a", "b"), `[{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"c"},{"value":"d"}]}]`)
		assert.Equal(t, []string{"c", "d"}, patch.MemberIDs(out))
	})
	t.Run("3.5.2.3 replace members", func(t *testing.T) {
		out, res := mustApply(t, groups, group(t, "a"), `[{"op":"replace","path":"members","value":[{"value":"b"},{"value":"c"}]}]`)
		assert.Equal(t, []string{"b", "c"}, patch.MemberIDs(out))
		assert.Equal(t, []string{"b", "c"}, res.MembersAdded)
		assert.Equal(t, []string{"a"}, res.MembersRemoved)
	})
	t.Run("3.5.2.3 replace a work address", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work","streetAddress":"911 Universal City Plaza"}}]`)
		assert.Equal(t, []any{map[string]any{"type": "work", "streetAddress": "911 Universal City Plaza"}}, out["addresses"])
	})
	t.Run("3.5.2.3 replace a sub-attribute of a filtered value", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1010 Broadway Ave"}]`)
		addr := out["addresses"].([]any)[0].(map[string]any)
		assert.Equal(t, "1010 Broadway Ave", addr["streetAddress"])
		assert.Equal(t, "Hollywood", addr["locality"])
	})
	t.Run("3.5.2.3 replace without path", func(t *testing.T) {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"replace","value":{"emails":[{"value":"bjensen@example.com","type":"work","primary":true}],"nickName":"Babs"}}]`)
		assert.Len(t, out["emails"], 1)
		assert.Equal(t, "Babs", out["nickName"])
	})
	t.Run("3.5.2.3 replace with no match is noTarget", func(t *testing.T) {
		_, _, err := apply(t, users, bjensen(t), `[{"op":"replace","path":"emails[type eq \"other\"].value","value":"x@y"}]`)
		requireScimError(t, err, schema.NoTarget)
	})
	t.Run("3.5.2.2 remove without path is noTarget", func(t *testing.T) {
		_, _, err := apply(t, users, bjensen(t), `[{"op":"remove"}]`)
		requireScimError(t, err, schema.NoTarget)
	})
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
		assert.NotContains(t, emails[0], "primary")
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
				out, _, err := patch.Apply(groups, attrs, req, patch.Options{})
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
