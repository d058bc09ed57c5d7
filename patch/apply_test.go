package patch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// TestApplyErrors checks the scimType of every kind of refused operation.
func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name string
		rt   *schema.ResourceType
		ops  string
		want schema.ErrorType
	}{
		{"replace readOnly id", users, `[{"op":"replace","path":"id","value":"x"}]`, schema.MutabilityError},
		{"remove required userName", users, `[{"op":"remove","path":"userName"}]`, schema.MutabilityError},
		{"replace readOnly groups", users, `[{"op":"replace","path":"groups","value":[{"value":"g"}]}]`, schema.MutabilityError},
		{"add to readOnly groups", users, `[{"op":"add","path":"groups","value":[{"value":"g"}]}]`, schema.MutabilityError},
		{"replace readOnly meta sub-attribute", users, `[{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}]`, schema.MutabilityError},
		{"replace readOnly manager.displayName", users, `[{"op":"replace","path":"` + enterprise + `:manager.displayName","value":"x"}]`, schema.MutabilityError},
		{"patch schemas", users, `[{"op":"add","path":"schemas","value":["` + enterprise + `"]}]`, schema.MutabilityError},
		{"path-less null for required userName", users, `[{"op":"replace","value":{"userName":null}}]`, schema.MutabilityError},
		{"empty required userName", users, `[{"op":"replace","path":"userName","value":""}]`, schema.InvalidValue},
		{"remove required displayName of a group", groups, `[{"op":"remove","path":"displayName"}]`, schema.MutabilityError},
		{"change an immutable member id", groups, `[{"op":"replace","path":"members[value eq \"a\"].value","value":"b"}]`, schema.MutabilityError},
		{"replace a member record with another id", groups, `[{"op":"replace","path":"members[value eq \"a\"]","value":{"value":"b"}}]`, schema.MutabilityError},
		{"remove an immutable member id", groups, `[{"op":"remove","path":"members[value eq \"a\"].value"}]`, schema.MutabilityError},
		{"replace with no match", users, `[{"op":"replace","path":"emails[type eq \"other\"].value","value":"x@y"}]`, schema.NoTarget},
		{"replace a record with no match", users, `[{"op":"replace","path":"emails[type eq \"other\"]","value":{"value":"x@y"}}]`, schema.NoTarget},
		{"add with a filter that describes no value", users, `[{"op":"add","path":"emails[type ne \"work\" and type ne \"home\"].value","value":"x@y"}]`, schema.NoTarget},
		{"add with an or filter", users, `[{"op":"add","path":"emails[type eq \"other\" or type eq \"x\"].value","value":"x@y"}]`, schema.NoTarget},
		{"string for a boolean", users, `[{"op":"replace","path":"active","value":"maybe"}]`, schema.InvalidValue},
		{"number for a complex attribute", users, `[{"op":"replace","path":"name","value":5}]`, schema.InvalidValue},
		{"array for a singular attribute", users, `[{"op":"replace","path":"nickName","value":["a"]}]`, schema.InvalidValue},
		{"two primary values added", users, `[{"op":"add","path":"emails","value":[{"value":"a@b","primary":true},{"value":"c@d","primary":true}]}]`, schema.InvalidValue},
		{"primary on two selected values", users, `[{"op":"replace","path":"emails[type eq \"work\" or type eq \"home\"].primary","value":true}]`, schema.InvalidValue},
		{"an extension that is not an object", users, `[{"op":"replace","value":{"` + enterprise + `":"x"}}]`, schema.InvalidValue},
		{"binary that is not base64", users, `[{"op":"add","value":{"x509Certificates":[{"value":"not base64!"}]}}]`, schema.InvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := bjensen(t)
			if tt.rt == groups {
				attrs = group(t, "a", "b")
			}
			out, res, err := apply(t, tt.rt, attrs, tt.ops)
			requireScimError(t, err, tt.want)
			assert.Nil(t, out)
			assert.Nil(t, res)
		})
	}
}

// sixOps sets six attributes of bjensen as they are, except displayName,
// set last, to displayName: more than Apply keeps track of without a map.
func sixOps(displayName string) string {
	return `[{"op":"replace","path":"userName","value":"bjensen"},` +
		`{"op":"remove","path":"nickName"},{"op":"remove","path":"title"},` +
		`{"op":"remove","path":"profileUrl"},{"op":"remove","path":"locale"},` +
		`{"op":"replace","path":"displayName","value":"` + displayName + `"}]`
}

func TestApplyChanged(t *testing.T) {
	tests := []struct {
		name, ops string
		changed   bool
	}{
		{"same value", `[{"op":"replace","path":"displayName","value":"Babs"}]`, false},

		{"remove with a filter that matches nothing", `[{"op":"remove","path":"emails[type eq \"other\"]"}]`, false},
		{"remove an unassigned attribute", `[{"op":"remove","path":"nickName"}]`, false},
		{"add an email that is there", `[{"op":"add","path":"emails","value":{"value":"babs@jensen.org","type":"home"}}]`, false},
		{"change and change back", `[{"op":"replace","path":"displayName","value":"X"},{"op":"replace","path":"displayName","value":"Babs"}]`, false},
		{"add and remove", `[{"op":"add","path":"nickName","value":"B"},{"op":"remove","path":"nickName"}]`, false},
		{"readOnly id echoed", `[{"op":"replace","value":{"id":"other","active":true}}]`, false},
		{"the same emails", `[{"op":"replace","path":"emails","value":[{"value":"bjensen@example.com","type":"work","primary":"True"},{"value":"babs@jensen.org","type":"home"}]}]`, false},
		{"emails in another order", `[{"op":"replace","path":"emails","value":[{"value":"babs@jensen.org","type":"home"},{"value":"bjensen@example.com","type":"work","primary":true}]}]`, true},
		{"a new case of a string that is not caseExact", `[{"op":"replace","path":"displayName","value":"BABS"}]`, true},
		{"a new value", `[{"op":"replace","path":"displayName","value":"X"}]`, true},
		{"a sub-attribute", `[{"op":"replace","path":"name.givenName","value":"Babs"}]`, true},
		{"six attributes set as they are", sixOps("Babs"), false},
		{"six attributes, the last changed", sixOps("X"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := bjensen(t)
			out, res := mustApply(t, users, attrs, tt.ops)
			assert.Equal(t, tt.changed, res.Changed)
			if !tt.changed {
				assert.Equal(t, attrs, out, "an unchanged outcome equals the input")
			} else {
				assert.NotEqual(t, attrs, out)
			}
		})
	}
}

func TestApplySharesUntouchedValues(t *testing.T) {
	attrs := bjensen(t)
	out, _ := mustApply(t, users, attrs, `[{"op":"replace","path":"emails[type eq \"home\"].display","value":"Home"}]`)
	assert.Same(t, &attrs["addresses"].([]any)[0], &out["addresses"].([]any)[0], "an untouched list is shared")
	in, got := attrs["emails"].([]any), out["emails"].([]any)
	assert.NotSame(t, &in[0], &got[0], "a changed list is a copy")
	assert.NotContains(t, in[1], "display", "the input's value is not changed")
	assert.Equal(t, "Home", got[1].(map[string]any)["display"])
}

func TestApplyPathlessIsDeterministic(t *testing.T) {
	// The two keys name the same sub-attribute; keys apply in sorted order.
	for range 20 {
		out, _ := mustApply(t, users, bjensen(t), `[{"op":"replace","value":{"name":{"givenName":"A"},"name.givenName":"B","NAME.givenName":"C"}}]`)
		assert.Equal(t, "B", out["name"].(map[string]any)["givenName"])
	}
}

func TestApplyRejectUnknown(t *testing.T) {
	req, err := patch.Parse(decode(t, request(`[{"op":"replace","value":{"favouriteColour":"blue","nickName":"B"}}]`)), users, patch.Options{})
	require.NoError(t, err)
	out, _, err := patch.Apply(users, bjensen(t), req)
	require.NoError(t, err)
	assert.Equal(t, "B", out["nickName"], "unknown attributes are ignored by default")
	req.Options.Schema.RejectUnknown = true // the request carries its options to Apply
	_, _, err = patch.Apply(users, bjensen(t), req)
	requireScimError(t, err, schema.InvalidPath)
}

// devices is a resource type with an immutable serial number and a
// required extension.
func devices() *schema.ResourceType {
	return &schema.ResourceType{
		Name: "Device", Endpoint: "/Devices",
		Schema: &schema.Schema{ID: "urn:example:Device", Name: "Device", Attributes: []*schema.Attribute{
			{Name: "serial", Type: schema.String, Mutability: schema.Immutable},
			{Name: "label", Type: schema.String},
		}},
		Extensions: []schema.SchemaExtension{{Required: true, Schema: &schema.Schema{ID: "urn:example:Owner", Attributes: []*schema.Attribute{
			{Name: "owner", Type: schema.String},
		}}}},
	}
}

func TestApplyImmutableAndRequiredExtension(t *testing.T) {
	rt := devices()
	start := map[string]any{"label": "a", "urn:example:Owner": map[string]any{"owner": "x"}}
	out, res := mustApply(t, rt, start, `[{"op":"add","path":"serial","value":"S1"}]`)
	assert.Equal(t, "S1", out["serial"], "an immutable attribute without a value may be set")
	assert.True(t, res.Changed)

	_, res = mustApply(t, rt, out, `[{"op":"replace","path":"serial","value":"S1"}]`)
	assert.False(t, res.Changed, "the same value is not a change")
	for _, ops := range []string{
		`[{"op":"replace","path":"serial","value":"S2"}]`,
		`[{"op":"remove","path":"serial"}]`,
		`[{"op":"replace","value":{"serial":"S2"}}]`,
		`[{"op":"remove","path":"urn:example:Owner"}]`,
	} {
		_, _, err := apply(t, rt, out, ops)
		requireScimError(t, err, schema.MutabilityError)
	}
	out, _ = mustApply(t, rt, out, `[{"op":"remove","path":"urn:example:Owner:owner"}]`)
	assert.NotContains(t, out, "urn:example:Owner")
}

func TestApplyExtensions(t *testing.T) {
	out, _ := mustApply(t, users, bjensen(t), `[
		{"op":"add","path":"`+enterprise+`","value":{"department":"Tours","manager":{"value":"m1","displayName":"ignored"}}},
		{"op":"replace","value":{"`+enterprise+`":{"costCenter":"4130"}}}]`)
	assert.Equal(t, map[string]any{"department": "Tours", "costCenter": "4130", "manager": map[string]any{"value": "m1"}}, out[enterprise])
	out, _ = mustApply(t, users, out, `[{"op":"remove","path":"`+enterprise+`"}]`)
	assert.NotContains(t, out, enterprise)
}

func TestApplyMultiValuedSubAttributeWithoutFilter(t *testing.T) {
	out, _ := mustApply(t, users, bjensen(t), `[{"op":"replace","path":"emails.display","value":"E"}]`)
	for _, e := range out["emails"].([]any) {
		assert.Equal(t, "E", e.(map[string]any)["display"])
	}
	out, _ = mustApply(t, users, out, `[{"op":"remove","path":"emails.display"}]`)
	assert.Equal(t, bjensen(t)["emails"], out["emails"])
}

func TestApplyKeepsTheCaseTheClientSends(t *testing.T) {
	out, res := mustApply(t, users, bjensen(t), `[{"op":"replace","value":{"displayName":"BABS"}}]`)
	assert.True(t, res.Changed)
	assert.Equal(t, "BABS", out["displayName"], "displayName is not caseExact, but a rename to another case is kept")
}
