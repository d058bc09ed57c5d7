package schema_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
)

// requireSCIMError asserts that err is a *schema.Error of type want.
func requireSCIMError(t *testing.T, err error, want schema.ErrorType) *schema.Error {
	t.Helper()
	require.Error(t, err)
	var se *schema.Error
	require.True(t, errors.As(err, &se), "want *schema.Error, got %T: %v", err, err)
	assert.Equal(t, want, se.Code, se.Detail)
	assert.Equal(t, want.ScimType(), se.ScimType())
	return se
}

type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

var errBodyTooLarge = errors.New("body too large")

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr schema.ErrorType
	}{
		{name: "object", body: `{"userName":"bjensen","n":12}`},
		{name: "object with trailing whitespace", body: "{\"a\":1}\n\t "},
		{name: "empty body", body: "", wantErr: schema.InvalidSyntax},
		{name: "whitespace only", body: "   ", wantErr: schema.InvalidSyntax},
		{name: "malformed", body: `{"userName":}`, wantErr: schema.InvalidSyntax},
		{name: "truncated", body: `{"userName":"bj`, wantErr: schema.InvalidSyntax},
		{name: "array", body: `[{"a":1}]`, wantErr: schema.InvalidSyntax},
		{name: "string", body: `"x"`, wantErr: schema.InvalidSyntax},
		{name: "null", body: `null`, wantErr: schema.InvalidSyntax},
		{name: "second object", body: `{"a":1}{"b":2}`, wantErr: schema.InvalidSyntax},
		{name: "trailing garbage", body: `{"a":1} x`, wantErr: schema.InvalidSyntax},
		{name: "trailing brace", body: `{"a":1}}`, wantErr: schema.InvalidSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := schema.Decode(strings.NewReader(tt.body))
			if tt.wantErr != 0 { // 0: no error expected
				requireSCIMError(t, err, tt.wantErr)
				assert.Nil(t, obj)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, obj)
		})
	}
}

func TestDecodeKeepsNumbers(t *testing.T) {
	obj, err := schema.Decode(strings.NewReader(`{"n":12345678901234567890, "f":1.5}`))
	require.NoError(t, err)
	assert.Equal(t, json.Number("12345678901234567890"), obj["n"])
	assert.Equal(t, json.Number("1.5"), obj["f"])
}

func TestDecodeWrapsReaderError(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"before any data", ""},
		{"inside the object", `{"userName":"bj`},
		{"after the object", `{"userName":"bjensen"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schema.Decode(&failingReader{data: []byte(tt.data), err: errBodyTooLarge})
			require.Error(t, err)
			assert.ErrorIs(t, err, errBodyTooLarge)
			var se *schema.Error
			assert.False(t, errors.As(err, &se), "a reader error is not a client syntax error")
		})
	}
}

// decode is a test helper turning JSON into the decoded body.
func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	obj, err := schema.Decode(strings.NewReader(body))
	require.NoError(t, err)
	return obj
}

func canonicalize(t *testing.T, rt *schema.ResourceType, body string, old map[string]any, opts schema.Options) (map[string]any, error) {
	t.Helper()
	return rt.Canonicalize(decode(t, body), old, opts)
}

const enterprise = schema.EnterpriseUserSchemaURN

func TestCanonicalizeUser(t *testing.T) {
	tests := []struct {
		name string
		body string
		opts schema.Options
		want map[string]any
		err  schema.ErrorType
	}{
		{
			name: "minimal",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`,
			want: map[string]any{"userName": "bjensen"},
		},
		{
			name: "names and URNs in any case are returned in the schema's case",
			body: `{"SCHEMAS":["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],"USERNAME":"bjensen",
				"Name":{"GIVENNAME":"Barbara"},"EMAILS":[{"Value":"b@example.com","TYPE":"work","Primary":true}],
				"ExternalID":"ext-1",
				"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"EmployeeNumber":"7"}}`,
			want: map[string]any{
				"userName":   "bjensen",
				"name":       map[string]any{"givenName": "Barbara"},
				"emails":     []any{map[string]any{"value": "b@example.com", "type": "work", "primary": true}},
				"externalId": "ext-1",
				enterprise:   map[string]any{"employeeNumber": "7"},
			},
		},
		{
			name: "Entra booleans sent as strings",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","active":"False",
				"emails":[{"value":"a@x","primary":"True"}]}`,
			want: map[string]any{"userName": "u", "active": false,
				"emails": []any{map[string]any{"value": "a@x", "primary": true}}},
		},
		{
			name: "readOnly id, meta and groups are ignored",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"abc","userName":"u",
				"meta":{"resourceType":"User"},"groups":[{"value":"g1"}]}`,
			want: map[string]any{"userName": "u"},
		},
		{
			name: "unknown attributes are ignored by default",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","favouriteColour":"blue",
				"name":{"givenName":"B","nickname":"x"},"urn:example:unknown:attr":1}`,
			want: map[string]any{"userName": "u", "name": map[string]any{"givenName": "B"}},
		},
		{
			name: "unknown attribute rejected with RejectUnknown",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","favouriteColour":"blue"}`,
			opts: schema.Options{RejectUnknown: true},
			err:  schema.InvalidSyntax,
		},
		{
			name: "unknown sub-attribute rejected with RejectUnknown",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","name":{"nick":"x"}}`,
			opts: schema.Options{RejectUnknown: true},
			err:  schema.InvalidSyntax,
		},
		{
			name: "unknown URN-qualified key rejected with RejectUnknown",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","urn:example:x:y":1}`,
			opts: schema.Options{RejectUnknown: true},
			err:  schema.InvalidSyntax,
		},
		{
			name: "URN-qualified top-level keys",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"urn:ietf:params:scim:schemas:core:2.0:User:userName":"u",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"42",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"boss-id"}`,
			want: map[string]any{"userName": "u",
				enterprise: map[string]any{"employeeNumber": "42", "manager": map[string]any{"value": "boss-id"}}},
		},
		{
			name: "extension under its URN key, manager displayName readOnly",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D",
				"manager":{"value":"m1","displayName":"Boss","$ref":"../Users/m1"}}}`,
			want: map[string]any{"userName": "u",
				enterprise: map[string]any{"department": "R&D", "manager": map[string]any{"value": "m1", "$ref": "../Users/m1"}}},
		},
		{
			name: "attribute given twice under two spellings",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","USERNAME":"v"}`,
			err:  schema.InvalidSyntax,
		},
		{
			name: "extension not an object",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}`,
			err:  schema.InvalidValue,
		},
		{
			name: "null and empty arrays mean unassigned",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","displayName":null,
				"emails":[],"phoneNumbers":null,"name":{},"addresses":[{}],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":null}`,
			want: map[string]any{"userName": "u"},
		},
		{
			name: "single value for a multi-valued attribute",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","emails":{"value":"a@x"}}`,
			want: map[string]any{"userName": "u", "emails": []any{map[string]any{"value": "a@x"}}},
		},
		{
			name: "bare value for a complex element",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","emails":["a@x","b@x"]}`,
			want: map[string]any{"userName": "u", "emails": []any{map[string]any{"value": "a@x"}, map[string]any{"value": "b@x"}}},
		},
		{
			name: "two primary values",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u",
				"emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":"true"}]}`,
			err: schema.InvalidValue,
		},
		{
			name: "valid binary certificate",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","x509Certificates":[{"value":"TUlJREhq"}]}`,
			want: map[string]any{"userName": "u", "x509Certificates": []any{map[string]any{"value": "TUlJREhq"}}},
		},
		{
			name: "invalid base64",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","x509Certificates":[{"value":"not base64!"}]}`,
			err:  schema.InvalidValue,
		},
		{
			name: "reference accepted as a string",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","profileUrl":"https://example.com/bjensen"}`,
			want: map[string]any{"userName": "u", "profileUrl": "https://example.com/bjensen"},
		},
		{
			name: "reference not a string",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","profileUrl":42}`,
			err:  schema.InvalidValue,
		},
		{
			name: "string given a number",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":12}`,
			err:  schema.InvalidValue,
		},
		{
			name: "boolean given a word",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","active":"yes"}`,
			err:  schema.InvalidValue,
		},
		{
			name: "boolean given a number",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","active":1}`,
			err:  schema.InvalidValue,
		},
		{
			name: "complex given an array",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","name":["x"]}`,
			err:  schema.InvalidValue,
		},
		{
			name: "complex without value sub-attribute given a string",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","name":"Barbara"}`,
			err:  schema.InvalidValue,
		},
		{
			name: "singular attribute given an array",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":["a","b"]}`,
			err:  schema.InvalidValue,
		},
		{
			name: "required userName missing",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"B"}`,
			err:  schema.InvalidValue,
		},
		{
			name: "required userName null",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":null}`,
			err:  schema.InvalidValue,
		},
		{
			name: "required userName empty",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":""}`,
			err:  schema.InvalidValue,
		},
		{
			name: "required userName only white space",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":" \t\n\u00a0\u3000"}`,
			err:  schema.InvalidValue,
		},
		{
			name: "userName with white space around it kept as sent",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"  bjensen\t"}`,
			want: map[string]any{"userName": "  bjensen\t"},
		},
		{
			name: "optional attribute only white space kept",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","nickName":"  "}`,
			want: map[string]any{"userName": "u", "nickName": "  "},
		},
		{
			name: "schemas missing",
			body: `{"userName":"u"}`,
			err:  schema.InvalidSyntax,
		},
		{
			name: "schemas null",
			body: `{"schemas":null,"userName":"u"}`,
			err:  schema.InvalidSyntax,
		},
		{
			name: "schemas without the core schema",
			body: `{"schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"u"}`,
			err:  schema.InvalidSyntax,
		},
		{
			name: "schemas with an unknown schema, ignored with its attributes",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:other"],"userName":"u","urn:example:other":{"x":1}}`,
			want: map[string]any{"userName": "u"},
		},
		{
			name: "schemas with an unknown schema, strict",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:other"],"userName":"u"}`,
			opts: schema.Options{RejectUnknown: true},
			err:  schema.InvalidSyntax,
		},
		{
			name: "schemas with a number",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",1],"userName":"u"}`,
			err:  schema.InvalidSyntax,
		},
		{
			name: "schemas given twice",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u"}`,
			err:  schema.InvalidSyntax,
		},
		{
			name: "schemas as a single string",
			body: `{"schemas":"urn:ietf:params:scim:schemas:core:2.0:User","userName":"u"}`,
			want: map[string]any{"userName": "u"},
		},
		{
			name: "password accepted on create",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"t1meMa$heen"}`,
			want: map[string]any{"userName": "u", "password": "t1meMa$heen"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := canonicalize(t, schema.UserResourceType(), tt.body, nil, tt.opts)
			if tt.err != 0 { // 0: no error expected
				requireSCIMError(t, err, tt.err)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// An attribute given twice under two spellings is refused however many
// others the body names (more than the canonicalizer tracks without a
// map) and in whatever order its keys come, and the same body without the
// second spelling is accepted.
func TestCanonicalizeDuplicateAmongMany(t *testing.T) {
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","displayName":"d","nickName":"n",
		"profileUrl":"https://x/p","title":"t","userType":"e","preferredLanguage":"en","locale":"en-US","timezone":"UTC",
		"active":true,"name":{"givenName":"g"},"emails":[{"value":"a@x"}],"phoneNumbers":[{"value":"1"}],"ims":[{"value":"i"}],
		"photos":[{"value":"https://x/p.png"}],"addresses":[{"locality":"l"}],"entitlements":[{"value":"e"}],"roles":[{"value":"r"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","costCenter":"c","division":"v"},
		"externalId":"x"`
	for range 50 { // a decoded body's keys come in a random order
		got, err := canonicalize(t, schema.UserResourceType(), body+`}`, nil, schema.Options{})
		require.NoError(t, err)
		require.Len(t, got, 20)
		_, err = canonicalize(t, schema.UserResourceType(), body+`,"TITLE":"T"}`, nil, schema.Options{})
		requireSCIMError(t, err, schema.InvalidSyntax)
		_, err = canonicalize(t, schema.UserResourceType(), body+`,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division":"w"}`, nil, schema.Options{})
		requireSCIMError(t, err, schema.InvalidSyntax)
	}
}

func TestCanonicalizeNilBody(t *testing.T) {
	_, err := schema.UserResourceType().Canonicalize(nil, nil, schema.Options{})
	requireSCIMError(t, err, schema.InvalidSyntax)
}

// thing is a resource type with every data type, for conversions.
func thing() *schema.ResourceType {
	return &schema.ResourceType{
		Name: "Thing", Endpoint: "/Things",
		Schema: &schema.Schema{ID: "urn:example:params:scim:schemas:2.0:Thing", Attributes: []*schema.Attribute{
			{Name: "count", Type: schema.Integer},
			{Name: "ratio", Type: schema.Decimal},
			{Name: "seen", Type: schema.DateTime},
			{Name: "blob", Type: schema.Binary},
			{Name: "tags", Type: schema.String, MultiValued: true},
			{Name: "serial", Type: schema.String, Mutability: schema.Immutable, CaseExact: true},
			{Name: "computed", Type: schema.String, Mutability: schema.ReadOnly},
			{Name: "secret", Type: schema.String, Mutability: schema.WriteOnly, Returned: schema.ReturnedNever},
			{Name: "part", Type: schema.Complex, SubAttributes: []*schema.Attribute{
				{Name: "code", Type: schema.String, Mutability: schema.Immutable},
				{Name: "label", Type: schema.String},
				{Name: "key", Type: schema.String, Required: true},
			}},
		}},
		Extensions: []schema.SchemaExtension{{Required: true, Schema: &schema.Schema{
			ID: "urn:example:params:scim:schemas:extension:2.0:Thing",
			Attributes: []*schema.Attribute{
				{Name: "site", Type: schema.String, Required: true},
				{Name: "badge", Type: schema.String, Mutability: schema.Immutable},
			},
		}}},
	}
}

const (
	thingSchemas = `"schemas":["urn:example:params:scim:schemas:2.0:Thing"]`
	thingExt     = "urn:example:params:scim:schemas:extension:2.0:Thing"
	extSite      = `"urn:example:params:scim:schemas:extension:2.0:Thing":{"site":"x"}`
)

func TestCanonicalizeTypes(t *testing.T) {
	tests := []struct {
		name  string
		attrs string
		want  map[string]any
		err   schema.ErrorType
	}{
		{name: "integer from json.Number", attrs: `"count":42`, want: map[string]any{"count": int64(42)}},
		{name: "integer in exponent form", attrs: `"count":1e3`, want: map[string]any{"count": int64(1000)}},
		{name: "negative integer", attrs: `"count":-7`, want: map[string]any{"count": int64(-7)}},
		{name: "integer with fraction", attrs: `"count":1.5`, err: schema.InvalidValue},
		{name: "integer as string", attrs: `"count":"42"`, err: schema.InvalidValue},
		{name: "integer too large", attrs: `"count":1e300`, err: schema.InvalidValue},
		{name: "decimal from json.Number", attrs: `"ratio":0.25`, want: map[string]any{"ratio": 0.25}},
		{name: "decimal from integer literal", attrs: `"ratio":3`, want: map[string]any{"ratio": float64(3)}},
		{name: "decimal overflow", attrs: `"ratio":1e400`, err: schema.InvalidValue},
		{name: "decimal as bool", attrs: `"ratio":true`, err: schema.InvalidValue},
		{name: "dateTime", attrs: `"seen":"2015-09-30T12:00:00Z"`, want: map[string]any{"seen": "2015-09-30T12:00:00Z"}},
		{name: "dateTime with offset and fraction", attrs: `"seen":"2015-09-30T12:00:00.123+02:00"`, want: map[string]any{"seen": "2015-09-30T12:00:00.123+02:00"}},
		{name: "dateTime without zone", attrs: `"seen":"2015-09-30T12:00:00"`, err: schema.InvalidValue},
		{name: "dateTime date only", attrs: `"seen":"2015-09-30"`, err: schema.InvalidValue},
		{name: "dateTime number", attrs: `"seen":1443614400`, err: schema.InvalidValue},
		{name: "binary padded", attrs: `"blob":"aGVsbG8="`, want: map[string]any{"blob": "aGVsbG8="}},
		{name: "binary unpadded", attrs: `"blob":"aGVsbG8"`, want: map[string]any{"blob": "aGVsbG8"}},
		{name: "binary invalid", attrs: `"blob":"a*b"`, err: schema.InvalidValue},
		{name: "multi-valued strings", attrs: `"tags":["a",null,"b"]`, want: map[string]any{"tags": []any{"a", "b"}}},
		{name: "multi-valued single string", attrs: `"tags":"a"`, want: map[string]any{"tags": []any{"a"}}},
		{name: "multi-valued wrong element", attrs: `"tags":["a",1]`, err: schema.InvalidValue},
		{name: "readOnly ignored", attrs: `"computed":"x"`, want: map[string]any{}},
		{name: "required sub-attribute missing", attrs: `"part":{"label":"l"}`, err: schema.InvalidValue},
		{name: "required sub-attribute empty", attrs: `"part":{"key":"","label":"l"}`, err: schema.InvalidValue},
		{name: "required sub-attribute only white space", attrs: `"part":{"key":" \t ","label":"l"}`, err: schema.InvalidValue},
		{name: "complex with required sub-attribute", attrs: `"part":{"key":"k","LABEL":"l"}`, want: map[string]any{"part": map[string]any{"key": "k", "label": "l"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{` + thingSchemas + `,` + extSite + `,` + tt.attrs + `}`
			got, err := canonicalize(t, thing(), body, nil, schema.Options{})
			if tt.err != 0 { // 0: no error expected
				requireSCIMError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			tt.want[thingExt] = map[string]any{"site": "x"}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCanonicalizeRequiredExtension(t *testing.T) {
	_, err := canonicalize(t, thing(), `{`+thingSchemas+`}`, nil, schema.Options{})
	se := requireSCIMError(t, err, schema.InvalidValue)
	assert.Contains(t, se.Detail, thingExt)

	_, err = canonicalize(t, thing(), `{`+thingSchemas+`,"`+thingExt+`":{"badge":"b"}}`, nil, schema.Options{})
	se = requireSCIMError(t, err, schema.InvalidValue)
	assert.Contains(t, se.Detail, "site")
}

func TestCanonicalizeReplace(t *testing.T) {
	old := map[string]any{
		"serial":   "SN-1",
		"computed": "c",
		"secret":   "s3cret",
		"count":    int64(3),
		"part":     map[string]any{"code": "P1", "key": "k"},
		thingExt:   map[string]any{"site": "x", "badge": "B1"},
	}
	tests := []struct {
		name  string
		attrs string
		want  map[string]any
		err   schema.ErrorType
	}{
		{
			name:  "omitted immutable, writeOnly and readOnly values are kept, readWrite dropped",
			attrs: extSite,
			want: map[string]any{"serial": "SN-1", "computed": "c", "secret": "s3cret",
				"part": map[string]any{"code": "P1"}, thingExt: map[string]any{"site": "x", "badge": "B1"}},
		},
		{
			name:  "same immutable values are accepted",
			attrs: `"serial":"SN-1","part":{"code":"P1","key":"k2"},"` + thingExt + `":{"site":"y","badge":"B1"}`,
			want: map[string]any{"serial": "SN-1", "computed": "c", "secret": "s3cret",
				"part": map[string]any{"code": "P1", "key": "k2"}, thingExt: map[string]any{"site": "y", "badge": "B1"}},
		},
		{
			name:  "new writeOnly value replaces the old one",
			attrs: extSite + `,"secret":"new"`,
			want: map[string]any{"serial": "SN-1", "computed": "c", "secret": "new",
				"part": map[string]any{"code": "P1"}, thingExt: map[string]any{"site": "x", "badge": "B1"}},
		},
		{name: "changed immutable attribute", attrs: extSite + `,"serial":"SN-2"`, err: schema.MutabilityError},
		{name: "immutable caseExact compared exactly", attrs: extSite + `,"serial":"sn-1"`, err: schema.MutabilityError},
		{name: "changed immutable sub-attribute", attrs: extSite + `,"part":{"code":"P2","key":"k"}`, err: schema.MutabilityError},
		{name: "changed immutable extension attribute", attrs: `"` + thingExt + `":{"site":"x","badge":"B2"}`, err: schema.MutabilityError},
		{name: "readOnly value sent is ignored", attrs: extSite + `,"computed":"other"`,
			want: map[string]any{"serial": "SN-1", "computed": "c", "secret": "s3cret",
				"part": map[string]any{"code": "P1"}, thingExt: map[string]any{"site": "x", "badge": "B1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{` + thingSchemas + `,` + tt.attrs + `}`
			got, err := canonicalize(t, thing(), body, old, schema.Options{})
			if tt.err != 0 { // 0: no error expected
				requireSCIMError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCanonicalizeReplaceUser(t *testing.T) {
	rt := schema.UserResourceType()
	old := map[string]any{"userName": "u", "password": "secret", "externalId": "e1", "displayName": "Old"}

	got, err := canonicalize(t, rt, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"x","userName":"u2"}`, old, schema.Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"userName": "u2", "password": "secret"}, got,
		"password is kept, readWrite attributes the body omits are removed, id is not copied")

	got, err = canonicalize(t, rt, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"new"}`, old, schema.Options{})
	require.NoError(t, err)
	assert.Equal(t, "new", got["password"])

	// Common attributes in old, such as id and meta, never reach the output.
	full := map[string]any{"userName": "u", "id": "x", "meta": map[string]any{"version": "W/\"1\""}}
	got, err = canonicalize(t, rt, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u"}`, full, schema.Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"userName": "u"}, got)
}

func TestCanonicalizeGroupMembers(t *testing.T) {
	rt := schema.GroupResourceType()
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins",
		"members":[{"value":"u1","display":"Babs","$ref":"https://example.com/Users/u1","type":"User"},{"value":"u2"}]}`
	got, err := canonicalize(t, rt, body, nil, schema.Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"displayName": "Admins", "members": []any{
		map[string]any{"value": "u1", "display": "Babs", "$ref": "https://example.com/Users/u1", "type": "User"},
		map[string]any{"value": "u2"},
	}}, got)

	// Replacing the member list of a group is not a change of the
	// immutable members.value.
	got, err = canonicalize(t, rt, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins","members":[{"value":"u3"}]}`, got, schema.Options{})
	require.NoError(t, err)
	assert.Equal(t, []any{map[string]any{"value": "u3"}}, got["members"])

	_, err = canonicalize(t, rt, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, nil, schema.Options{})
	requireSCIMError(t, err, schema.InvalidValue)
}

// Entra ID lists an attribute-less Microsoft schema URN beside the core
// Group schema when it creates a group; it is accepted even where unknown
// schema URNs are refused.
func TestEntraID_GroupSchemaMarker(t *testing.T) {
	rt := schema.GroupResourceType()
	strict := schema.Options{RejectUnknown: true}
	got, err := canonicalize(t, rt, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group",
		"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"displayName":"Tour Guides"}`, nil, strict)
	require.NoError(t, err)
	assert.Equal(t, "Tour Guides", got["displayName"])

	_, err = canonicalize(t, rt, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","urn:example:other"],"displayName":"X"}`, nil, strict)
	requireSCIMError(t, err, schema.InvalidSyntax)
}

func TestAttributeCanonicalizeElement(t *testing.T) {
	manager := schema.EnterpriseUser().Attribute("manager")
	got, err := manager.CanonicalizeElement("boss", schema.Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"value": "boss"}, got)

	active := schema.User().Attribute("active")
	got, err = active.CanonicalizeElement("TRUE", schema.Options{})
	require.NoError(t, err)
	assert.Equal(t, true, got)

	emails := schema.User().Attribute("emails")
	got, err = emails.Canonicalize(map[string]any{"value": "a@x"}, schema.Options{})
	require.NoError(t, err)
	assert.Equal(t, []any{map[string]any{"value": "a@x"}}, got)

	got, err = emails.Canonicalize([]any{}, schema.Options{})
	require.NoError(t, err)
	assert.Nil(t, got)
}

func TestAttributeEqual(t *testing.T) {
	u := schema.User()
	emails := u.Attribute("emails")
	th := thing().Schema
	tests := []struct {
		name string
		a    *schema.Attribute
		x, y any
		want bool
	}{
		{"caseExact false ignores case", u.Attribute("userName"), "BJensen", "bjensen", true},
		{"caseExact true compares exactly", th.Attribute("serial"), "SN-1", "sn-1", false},
		{"different strings", u.Attribute("userName"), "a", "b", false},
		{"string and number", u.Attribute("userName"), "1", int64(1), false},
		{"nil and nil", u.Attribute("userName"), nil, nil, true},
		{"nil and value", u.Attribute("userName"), nil, "a", false},
		{"booleans", u.Attribute("active"), true, true, true},
		{"different booleans", u.Attribute("active"), true, false, false},
		{"integers", th.Attribute("count"), int64(3), int64(3), true},
		{"integer and float", th.Attribute("count"), int64(3), float64(3), true},
		{"integer and json.Number", th.Attribute("count"), int64(3), json.Number("3"), true},
		{"different integers", th.Attribute("count"), int64(3), int64(4), false},
		{"dateTimes as instants", th.Attribute("seen"), "2015-09-30T12:00:00Z", "2015-09-30T14:00:00+02:00", true},
		{"different dateTimes", th.Attribute("seen"), "2015-09-30T12:00:00Z", "2015-09-30T12:00:01Z", false},
		{"binary is case-sensitive", th.Attribute("blob"), "aGVsbG8=", "AGVSBG8=", false},
		{"complex with missing sub equals null", u.Attribute("name"),
			map[string]any{"givenName": "B", "familyName": nil}, map[string]any{"givenName": "b"}, true},
		{"complex with different sub", u.Attribute("name"),
			map[string]any{"givenName": "B"}, map[string]any{"givenName": "B", "familyName": "J"}, false},
		{"multi-valued unordered", emails,
			[]any{map[string]any{"value": "a@x"}, map[string]any{"value": "b@x", "primary": true}},
			[]any{map[string]any{"value": "B@x", "primary": true}, map[string]any{"value": "a@x"}}, true},
		{"multi-valued different length", emails,
			[]any{map[string]any{"value": "a@x"}}, []any{map[string]any{"value": "a@x"}, map[string]any{"value": "a@x"}}, false},
		{"multi-valued duplicates matched once", emails,
			[]any{map[string]any{"value": "a@x"}, map[string]any{"value": "a@x"}},
			[]any{map[string]any{"value": "a@x"}, map[string]any{"value": "b@x"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.a.Equal(tt.x, tt.y))
			assert.Equal(t, tt.want, tt.a.Equal(tt.y, tt.x), "symmetric")
		})
	}
}

// TestRequiredStringsMustNotBeBlank checks that a required string
// attribute (User userName, Group displayName) is refused with
// invalidValue when it is "" or only white space, on create and on
// replace, and through Attribute.Canonicalize as PATCH uses it.
func TestRequiredStringsMustNotBeBlank(t *testing.T) {
	users, groups := schema.UserResourceType(), schema.GroupResourceType()
	userOld := map[string]any{"id": "1", "userName": "bjensen"}
	groupOld := map[string]any{"id": "2", "displayName": "Tour Guides"}
	tests := []struct {
		name string
		rt   *schema.ResourceType
		attr string
		old  map[string]any
	}{
		{"User userName", users, "userName", nil},
		{"User userName on replace", users, "userName", userOld},
		{"Group displayName", groups, "displayName", nil},
		{"Group displayName on replace", groups, "displayName", groupOld},
	}
	for _, tt := range tests {
		for _, value := range []string{"", " ", "\t\r\n", "\u00a0", "\u2003\u3000"} {
			t.Run(fmt.Sprintf("%s %q", tt.name, value), func(t *testing.T) {
				body := map[string]any{"schemas": []any{tt.rt.Schema.ID}, tt.attr: value}
				_, err := tt.rt.Canonicalize(body, tt.old, schema.Options{})
				se := requireSCIMError(t, err, schema.InvalidValue)
				assert.Contains(t, se.Detail, tt.attr)

				a := tt.rt.Schema.Attribute(tt.attr)
				require.NotNil(t, a)
				_, err = a.Canonicalize(value, schema.Options{})
				requireSCIMError(t, err, schema.InvalidValue)
			})
		}
		t.Run(tt.name+" padded value kept", func(t *testing.T) {
			body := map[string]any{"schemas": []any{tt.rt.Schema.ID}, tt.attr: " x\u00a0"}
			got, err := tt.rt.Canonicalize(body, tt.old, schema.Options{})
			require.NoError(t, err)
			assert.Equal(t, " x\u00a0", got[tt.attr])
		})
	}
}
