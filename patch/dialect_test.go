package patch_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/patch"
)

// The tests in this file replay what identity providers send.

func TestEntraID_CapitalisedOpsAndStringBooleans(t *testing.T) {
	out, res := mustApply(t, users, bjensen(t), `[{"op":"Replace","path":"active","value":"False"},{"op":"Add","path":"nickName","value":"B"}]`)
	assert.Equal(t, false, out["active"])
	assert.Equal(t, "B", out["nickName"])
	assert.True(t, res.Changed)
}

func TestEntraID_PathlessReplaceWithDottedAndURNKeys(t *testing.T) {
	out, _ := mustApply(t, users, bjensen(t), `[{"op":"Replace","value":{
		"name.givenName":"Babs",
		"name.familyName":"Jensen-Smith",
		"`+enterprise+`:employeeNumber":"701984",
		"`+enterprise+`:department":"Tours",
		"active":"True"}}]`)
	assert.Equal(t, map[string]any{"givenName": "Babs", "familyName": "Jensen-Smith"}, out["name"])
	assert.Equal(t, map[string]any{"employeeNumber": "701984", "department": "Tours"}, out[enterprise])
	assert.Equal(t, true, out["active"])
}

func TestEntraID_ManagerAsBareID(t *testing.T) {
	out, _ := mustApply(t, users, bjensen(t), `[{"op":"Add","path":"`+enterprise+`:manager","value":"26118915-6090"}]`)
	assert.Equal(t, map[string]any{"manager": map[string]any{"value": "26118915-6090"}}, out[enterprise])
	out, _ = mustApply(t, users, out, `[{"op":"Remove","path":"`+enterprise+`:manager","value":[{"value":"26118915-6090"}]}]`)
	assert.NotContains(t, out, enterprise)
}

func TestEntraID_RemoveMembersByValueArray(t *testing.T) {
	out, res := mustApply(t, groups, group(t, "a", "b", "c"), `[{"op":"Remove","path":"members","value":[{"value":"a"},{"value":"c"}]}]`)
	assert.Equal(t, []string{"b"}, patch.MemberIDs(out))
	assert.Equal(t, []string{"a", "c"}, res.MembersRemoved)
}

func TestEntraID_RemoveAllMembers(t *testing.T) {
	out, res := mustApply(t, groups, group(t, "a", "b"), `[{"op":"Remove","path":"members"}]`)
	assert.NotContains(t, out, "members")
	assert.Equal(t, []string{"a", "b"}, res.MembersRemoved)
}

func TestEntraID_AddWorkEmailToUserWithoutEmails(t *testing.T) {
	attrs := canonical(t, users, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x"}`)
	out, _ := mustApply(t, users, attrs, `[{"op":"Add","path":"emails[type eq \"work\"].value","value":"x@example.com"}]`)
	assert.Equal(t, []any{map[string]any{"type": "work", "value": "x@example.com"}}, out["emails"])
	// The same operation again updates the existing value.
	out, _ = mustApply(t, users, out, `[{"op":"Add","path":"emails[type eq \"work\"].value","value":"y@example.com"}]`)
	assert.Equal(t, []any{map[string]any{"type": "work", "value": "y@example.com"}}, out["emails"])
}

func TestEntraID_AddPrimaryRoleDisplay(t *testing.T) {
	out, _ := mustApply(t, users, bjensen(t), `[{"op":"Add","path":"roles[primary eq \"True\"].display","value":"Teacher"}]`)
	assert.Equal(t, []any{map[string]any{"primary": true, "display": "Teacher"}}, out["roles"])
}

func TestOkta_PathlessReplaceEchoingReadOnlyID(t *testing.T) {
	out, res := mustApply(t, users, bjensen(t), `[{"op":"replace","value":{"id":"2819c223","active":false,"meta":{"resourceType":"User"}}}]`)
	assert.Equal(t, false, out["active"])
	assert.NotContains(t, out, "id")
	assert.True(t, res.Changed)
}

func TestOkta_DeactivateWithPathlessReplace(t *testing.T) {
	out, _ := mustApply(t, users, bjensen(t), `[{"op":"replace","value":{"active":false}}]`)
	assert.Equal(t, false, out["active"])
}

func TestOkta_RemoveAndAddMembersInOneRequest(t *testing.T) {
	out, res := mustApply(t, groups, group(t, "a", "b"), `[
		{"op":"remove","path":"members[value eq \"a\"]"},
		{"op":"add","path":"members","value":[{"value":"c","display":"Carol"}]}]`)
	assert.Equal(t, []string{"b", "c"}, patch.MemberIDs(out))
	assert.Equal(t, []string{"c"}, res.MembersAdded)
	assert.Equal(t, []string{"a"}, res.MembersRemoved)
}

func TestOkta_ReplaceMembersWholesale(t *testing.T) {
	out, _ := mustApply(t, groups, group(t, "a", "b"), `[{"op":"replace","path":"members","value":[{"value":"b"},{"value":"d"}]}]`)
	assert.Equal(t, []string{"b", "d"}, patch.MemberIDs(out))
	out, _ = mustApply(t, groups, out, `[{"op":"replace","value":{"id":"g1","displayName":"Renamed","members":[{"value":"e"}]}}]`)
	assert.Equal(t, []string{"e"}, patch.MemberIDs(out))
	assert.Equal(t, "Renamed", out["displayName"])
}

func TestAuthentik_OneMemberPerOperation(t *testing.T) {
	ops := make([]string, 50)
	for i := range ops {
		ops[i] = fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":"u%d"}]}`, i)
	}
	out, res := mustApply(t, groups, group(t, "u0"), "["+strings.Join(ops, ",")+"]")
	assert.Len(t, patch.MemberIDs(out), 50, "u0 is not added twice")
	assert.Len(t, res.MembersAdded, 49)

	req, err := patch.Parse(decode(t, request("["+strings.Join(ops, ",")+"]")), groups, patch.Options{})
	require.NoError(t, err)
	delta, ok := req.MemberDelta(groups)
	require.True(t, ok)
	assert.Len(t, delta.Add, 50)
}

func TestEntraID_ReplaceManagerWithBareID(t *testing.T) {
	start, _ := mustApply(t, users, bjensen(t), `[{"op":"Add","path":"`+enterprise+`:manager","value":{"value":"m1"}}]`)
	out, res := mustApply(t, users, start, `[{"op":"Replace","path":"`+enterprise+`:manager","value":"m2"}]`)
	assert.Equal(t, map[string]any{"manager": map[string]any{"value": "m2"}}, out[enterprise])
	assert.True(t, res.Changed)
}

func TestEntraID_PathlessReplaceWithExtensionObject(t *testing.T) {
	out, _ := mustApply(t, users, bjensen(t), `[{"op":"Replace","value":{
		"displayName":"Babs J","`+enterprise+`":{"Department":"Tours","manager":"m1"}}}]`)
	assert.Equal(t, "Babs J", out["displayName"])
	assert.Equal(t, map[string]any{"department": "Tours", "manager": map[string]any{"value": "m1"}}, out[enterprise])
}

func TestEntraID_RemoveMembersDeltaMatchesApply(t *testing.T) {
	req, err := patch.Parse(decode(t, request(`[{"op":"Remove","path":"members","value":[{"value":"a"},{"value":"c"}]}]`)), groups, patch.Options{})
	require.NoError(t, err)
	delta, ok := req.MemberDelta(groups)
	require.True(t, ok)
	assert.Equal(t, patch.Delta{Remove: []string{"a", "c"}}, delta)
}

func TestAuthentik_OneMemberRemovalPerOperation(t *testing.T) {
	ops := make([]string, 20)
	ids := make([]string, 20)
	for i := range ops {
		ids[i] = fmt.Sprintf("u%d", i)
		ops[i] = fmt.Sprintf(`{"op":"remove","path":"members[value eq \"u%d\"]"}`, i)
	}
	out, res := mustApply(t, groups, group(t, append(ids, "keep")...), "["+strings.Join(ops, ",")+"]")
	assert.Equal(t, []string{"keep"}, patch.MemberIDs(out))
	assert.Equal(t, ids, res.MembersRemoved)
}
