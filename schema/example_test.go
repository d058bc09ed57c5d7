package schema_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scimkit/scim/schema"
)

// A create request from an identity provider: names in another case, a
// boolean sent as a string, a read-only id echoed back and an extension
// attribute given as a URN-qualified key.
func ExampleResourceType_Canonicalize() {
	rt := schema.UserResourceType()
	body, err := schema.Decode(strings.NewReader(`{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"id": "ignored",
		"UserName": "bjensen@example.com",
		"active": "True",
		"emails": [{"Value": "bjensen@example.com", "type": "work", "primary": true}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "26118915"
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	attrs, err := rt.Canonicalize(body, nil, schema.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.MarshalIndent(attrs, "", "  ")
	fmt.Println(string(out))
	// Output:
	// {
	//   "active": true,
	//   "emails": [
	//     {
	//       "primary": true,
	//       "type": "work",
	//       "value": "bjensen@example.com"
	//     }
	//   ],
	//   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
	//     "manager": {
	//       "value": "26118915"
	//     }
	//   },
	//   "userName": "bjensen@example.com"
	// }
}

// An invalid body yields a *schema.Error whose scimType the server returns.
func ExampleResourceType_Canonicalize_error() {
	rt := schema.UserResourceType()
	body := map[string]any{
		"schemas": []any{schema.UserSchemaURN},
		"active":  "maybe",
	}
	_, err := rt.Canonicalize(body, nil, schema.Options{})
	fmt.Println(err)
	// Output:
	// scim: invalidValue: the attribute "active" must be a boolean, not "maybe"
}

// Project applies the attributes and excludedAttributes query parameters
// to a full resource object: id and schemas are always returned, the
// password never.
func ExampleResourceType_Project() {
	rt := schema.UserResourceType()
	doc := map[string]any{
		"schemas":  []any{schema.UserSchemaURN},
		"id":       "2819c223",
		"userName": "bjensen",
		"password": "t1meMa$heen",
		"name":     map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
		"emails":   []any{map[string]any{"value": "bjensen@example.com", "type": "work"}},
		"meta":     map[string]any{"resourceType": "User", "version": `W/"1"`},
	}
	p, err := schema.ParseProjection("userName,name.givenName,emails.value,password", "")
	if err != nil {
		panic(err) // an over-long list; the server answers it with a 400
	}
	b, _ := json.Marshal(rt.Project(doc, p))
	fmt.Println(string(b))

	p, _ = schema.ParseProjection("", "emails,meta")
	b, _ = json.Marshal(rt.Project(doc, p))
	fmt.Println(string(b))
	// Output:
	// {"emails":[{"value":"bjensen@example.com"}],"id":"2819c223","name":{"givenName":"Barbara"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}
	// {"id":"2819c223","name":{"familyName":"Jensen","givenName":"Barbara"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}
}

// A store can ask whether an attribute will be returned at all, to skip
// loading it.
func ExampleProjection_Includes() {
	rt := schema.GroupResourceType()
	p, _ := schema.ParseProjection("", "members")
	fmt.Println(p.Includes(rt, "members"), p.Includes(rt, "displayName"))
	// Output:
	// false true
}

func ExampleResourceType_CanonicalizeOwned() {
	rt := schema.UserResourceType()
	body, _ := schema.DecodeBytes([]byte(`{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "bjensen", "active": "True", "id": "ignored",
		"emails": [{"value": "bjensen@example.com", "primary": "true"}]}`))
	attrs, err := rt.CanonicalizeOwned(body, schema.Options{})
	if err != nil {
		panic(err)
	}
	// The body, spelled as the schema spells it, became the attributes.
	fmt.Println(attrs["active"], attrs["emails"], attrs["id"])
	// Output:
	// true [map[primary:true value:bjensen@example.com]] <nil>
}
