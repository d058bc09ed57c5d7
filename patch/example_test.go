package patch_test

import (
	"fmt"
	"strings"

	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

func ExampleApply() {
	rt := schema.UserResourceType()
	attrs := map[string]any{"userName": "bjensen", "active": true}
	body, _ := schema.Decode(strings.NewReader(`{
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [
			{"op": "Replace", "path": "active", "value": "False"},
			{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "bjensen@example.com"}
		]}`))
	req, err := patch.Parse(body, rt, patch.Options{})
	if err != nil {
		panic(err)
	}
	out, res, err := patch.Apply(rt, attrs, req)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Changed, out["active"], out["emails"])
	fmt.Println(attrs["active"])
	// Output:
	// true false [map[type:work value:bjensen@example.com]]
	// true
}

func ExampleRequest_MemberDelta() {
	rt := schema.GroupResourceType()
	body, _ := schema.Decode(strings.NewReader(`{
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [
			{"op": "remove", "path": "members[value eq \"2819c223\"]"},
			{"op": "add", "path": "members", "value": [{"value": "902c246b", "display": "Mandy"}]}
		]}`))
	req, err := patch.Parse(body, rt, patch.Options{})
	if err != nil {
		panic(err)
	}
	delta, ok := req.MemberDelta(rt)
	fmt.Println(ok, delta.RemoveAll, delta.Remove, delta.Add)
	// Output:
	// true false [2819c223] [map[display:Mandy value:902c246b]]
}

func ExampleParseJSON() {
	rt := schema.UserResourceType()
	body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)
	req, err := patch.ParseJSON(body, rt, patch.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(req.Operations[0].Op, req.Operations[0].Path, req.Operations[0].Value)

	_, err = patch.ParseJSON([]byte(`{"Operations":[]}`), rt, patch.Options{})
	fmt.Println(err)
	// Output:
	// replace active False
	// scim: invalidSyntax: the body's "schemas" must be ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
}
