package patch

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
)

// parseJSONBodies are PatchOp bodies of the usual shape and of every other
// the general path handles: members in other letter cases, repeated,
// missing, of other kinds, unknown members, operations that are not
// objects, too many operations, bad paths and ops, nested and non-ASCII
// values, and documents that are not JSON.
func parseJSONBodies() []string {
	const urn = `["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
	body := func(ops string) string { return `{"schemas":` + urn + `,"Operations":` + ops + `}` }
	many := strings.Repeat(`{"op":"add","path":"nickName","value":"x"},`, 5)
	bodies := []string{
		body(`[{"op":"Replace","path":"active","value":"False"}]`),
		body(`[{"op":"replace","path":"active","value":false}]`),
		body(`[{"op":"add","path":"members","value":[{"value":"a"},{"value":"b","display":"Ünïcödé ✓"}]}]`),
		body(`[{"op":"remove","path":"members[value eq \"a\"]"}]`),
		body(`[{"op":"replace","value":{"name":{"givenName":"日本","familyName":"\u00e9\ud83d\ude00"},"active":true}}]`),
		body(`[{"op":"replace","path":"emails[type eq \"work\"].value","value":"x@y"},{"op":"remove","path":"title"}]`),
		body(`[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"7"}]`),
		body(`[{"value":"x","path":"nickName","op":"add","extra":{"deep":[1,2,{"x":null}]}}]`),
		body(`[` + strings.TrimSuffix(many, ",") + `]`),
		` ` + body(`[{"op":"add","path":"nickName","value":"x"}]`) + "\n\t",
		`{"Operations":[{"op":"add","path":"nickName","value":"x"}],"schemas":` + urn + `,"id":"echoed"}`,
		// Other letter cases and repeated members.
		`{"Schemas":` + urn + `,"operations":[{"Op":"add","PATH":"nickName","Value":"x"}]}`,
		`{"schemas":` + urn + `,"Operations":[{"op":"add","path":"nickName","value":"x"}],"Operations":[{"op":"remove","path":"title"}]}`,
		`{"schemas":` + urn + `,"schemas":["other"],"Operations":[{"op":"add","path":"nickName","value":"x"}]}`,
		body(`[{"op":"add","op":"remove","path":"title"}]`),
		body(`[{"op":"add","path":"nickName","value":"x","value":"y"}]`),
		body(`[{"op":"add","path":"nickName","Path":"title","value":"x"}]`),
		body(`[{"op":"remove","path":"members","Value":[{"value":"a"}]}]`),
		body(`[{"op":"add","Path":"name","value":{"givenName":"x"}}]`),
		`{"schemas":[1,{"x":"y"},"URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],"Operations":[{"op":"add","path":"nickName","value":"x"}]}`,
		`{"schemas":["urn:other",null],"Operations":[{"op":"add","path":"nickName","value":"x"}]}`,
		// Missing and wrong members.
		`{"Operations":[{"op":"add","path":"nickName","value":"x"}]}`,
		`{"schemas":["urn:other"],"Operations":[{"op":"add","path":"nickName","value":"x"}]}`,
		`{"schemas":"urn:ietf:params:scim:api:messages:2.0:PatchOp","Operations":[{"op":"add","path":"nickName","value":"x"}]}`,
		body(`[]`), body(`{}`), body(`null`), `{"schemas":` + urn + `}`,
		body(`["add"]`), body(`[null]`), body(`[{"op":"add","path":"nickName","value":"x"},7]`),
		body(`[{"op":"move","path":"nickName","value":"x"}]`),
		body(`[{"op":5,"path":"nickName","value":"x"}]`),
		body(`[{"op":"add","path":5,"value":"x"}]`),
		body(`[{"op":"add","path":null,"value":{"nickName":"x"}}]`),
		body(`[{"op":"add","path":"nickName"}]`),
		body(`[{"op":"remove"}]`),
		body(`[{"op":"add","value":"not an object"}]`),
		body(`[{"op":"add","path":"emails[type eq","value":"x"}]`),
		body(`[{"op":"add","path":"noSuchAttribute.x.y","value":"x"}]`),
		body(`[` + many + `{"op":"add","path":"nickName","value":"x"}]`), // over the limit of 5
		// Not JSON, or not an object.
		``, ` `, `[]`, `"x"`, `null`, `{`, `{"schemas":`, `{"schemas":` + urn + `,}`,
		body(`[{"op":"add","path":"nickName","value":"x"}]`) + `{}`,
		body(`[{"op":"add","path":"nickName","value":"x"]`),
		body(`[{"op":"add","path":"nickName","value":tru}]`),
		"{\"schemas\":" + urn + ",\"Operations\":[{\"op\":\"add\",\"path\":\"nickName\",\"value\":\"\xff\"}]}",
		body(`[{"op":"add","path":"nickName","value":"\ud800"}]`),
		body(`[{"op":"add","path":"nickName","value":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}]`),
	}
	return bodies
}

// parseGeneral is the path ParseJSON must agree with.
func parseGeneral(data []byte, rt *schema.ResourceType, opts Options) (*Request, error) {
	body, err := schema.DecodeBytes(data)
	if err != nil {
		return nil, err
	}
	return Parse(body, rt, opts)
}

func requireSameParse(t *testing.T, data []byte, rt *schema.ResourceType, opts Options) {
	t.Helper()
	want, wantErr := parseGeneral(data, rt, opts)
	got, err := ParseJSON(data, rt, opts)
	require.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(err), "%q", data)
	require.Equal(t, want, got, "%q", data)
}

// TestParseJSONMatchesParse: ParseJSON gives the Request or the error that
// decoding the body and Parse give, for every body above and every
// truncation of each, and it reads the usual shape itself.
func TestParseJSONMatchesParse(t *testing.T) {
	opts := Options{MaxOperations: 5}
	usual := 0
	for _, b := range parseJSONBodies() {
		data := []byte(b)
		for _, rt := range []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType()} {
			requireSameParse(t, data, rt, opts)
			if _, ok := parseUsual(data, rt, opts); ok {
				usual++
			}
			for n := range min(len(data), 300) {
				requireSameParse(t, data[:n], rt, opts)
			}
		}
	}
	require.GreaterOrEqual(t, usual, 16, "bodies of the usual shape are read without the general path")
}

// FuzzParseJSON checks ParseJSON against decoding and Parse on any input.
func FuzzParseJSON(f *testing.F) {
	for _, b := range parseJSONBodies() {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, rt := range []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType()} {
			requireSameParse(t, data, rt, Options{MaxOperations: 5})
		}
	})
}
