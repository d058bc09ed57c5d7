package patch_test

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/scimkit/scim/patch"
)

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// BenchmarkApplyEntraUser applies the PATCH Entra ID sends when a user's
// profile changes: replace operations with paths, a path-less replace with
// dotted and URN-qualified keys, and the manager as a bare id.
func BenchmarkApplyEntraUser(b *testing.B) {
	attrs := bjensen(b)
	req, err := patch.Parse(decode(b, request(`[
		{"op":"Replace","path":"displayName","value":"Babs Jensen"},
		{"op":"Replace","value":{"name.givenName":"Babs","name.familyName":"Jensen-Smith",
			"`+enterprise+`:department":"Tours","`+enterprise+`:employeeNumber":"701984"}},
		{"op":"Replace","path":"emails[type eq \"work\"].value","value":"babs@example.com"},
		{"op":"Add","path":"`+enterprise+`:manager","value":"26118915-6090"},
		{"op":"Replace","path":"active","value":"True"}]`)), users, patch.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := patch.Apply(users, attrs, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyAddMember adds one member to a group of 10,000 through
// Apply, the path a store without a native Patcher takes.
func BenchmarkApplyAddMember(b *testing.B) {
	ids := make([]string, 10000)
	for i := range ids {
		ids[i] = fmt.Sprintf("user-%d", i)
	}
	attrs := group(b, ids...)
	req, err := patch.Parse(decode(b, request(`[{"op":"add","path":"members","value":[{"value":"new-user"}]}]`)), groups, patch.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := patch.Apply(groups, attrs, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemberDelta turns the same request into a membership delta, the
// path a store with a native Patcher takes.
func BenchmarkMemberDelta(b *testing.B) {
	req, err := patch.Parse(decode(b, request(`[{"op":"add","path":"members","value":[{"value":"new-user"}]}]`)), groups, patch.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, ok := req.MemberDelta(groups); !ok {
			b.Fatal("not a delta")
		}
	}
}
