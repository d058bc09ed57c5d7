package filter_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

var users = schema.UserResourceType()

// bjensen is a user document in canonical form, as scim.Document builds it.
func bjensen() map[string]any {
	return map[string]any{
		"schemas":     []any{schema.UserSchemaURN, schema.EnterpriseUserSchemaURN},
		"id":          "2819c223-7f76-453a-919d-413861904646",
		"externalId":  "bjensen-ext",
		"userName":    "bjensen",
		"name":        map[string]any{"familyName": "O'Malley", "givenName": "Barbara"},
		"displayName": "Babs Jensen",
		"title":       "Tour Guide",
		"userType":    "Employee",
		"active":      true,
		"emails": []any{
			map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true},
			map[string]any{"value": "babs@jensen.org", "type": "home"},
		},
		"ims":              []any{map[string]any{"value": "babs@foo.com", "type": "xmpp"}},
		"x509Certificates": []any{map[string]any{"value": "TUlJRERqQ0NBL"}},
		schema.EnterpriseUserSchemaURN: map[string]any{
			"employeeNumber": "701984",
			"manager":        map[string]any{"value": "26118915-6090-4610-87e4-49d8ca9f808d"},
		},
		"meta": map[string]any{
			"resourceType": "User",
			"created":      "2010-01-23T04:56:22Z",
			"lastModified": "2011-05-13T04:42:34Z",
			"version":      `W/"3694e05e9dff591"`,
		},
	}
}

func match(t *testing.T, f string, doc map[string]any) bool {
	t.Helper()
	e, err := filter.Parse(f, users, filter.Options{})
	require.NoError(t, err, "filter %s", f)
	return filter.Match(e, doc)
}

// TestRFC7644Examples evaluates every filter example of RFC 7644
// §3.4.2.2 against a user that satisfies it and one that does not.
func TestRFC7644Examples(t *testing.T) {
	other := map[string]any{
		"schemas":  []any{schema.UserSchemaURN},
		"id":       "x",
		"userName": "alice",
		"name":     map[string]any{"familyName": "Smith"},
		"userType": "Intern",
		"emails":   []any{map[string]any{"value": "alice@other.net", "type": "home"}},
		"meta":     map[string]any{"resourceType": "User", "lastModified": "2009-01-01T00:00:00Z"},
	}
	tests := []struct {
		filter      string
		bjensen, ot bool
	}{
		{`userName Eq "john"`, false, false},
		{`userName eq "bjensen"`, true, false},
		{`name.familyName co "O'Malley"`, true, false},
		{`userName sw "J"`, false, false},
		{`userName sw "b"`, true, false},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "B"`, true, false},
		{`title pr`, true, false},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, false, false},
		{`meta.lastModified ge "2011-05-13T04:42:34Z"`, true, false},
		{`meta.lastModified lt "2011-05-13T04:42:34Z"`, false, true},
		{`meta.lastModified le "2011-05-13T04:42:34Z"`, true, true},
		{`title pr and userType eq "Employee"`, true, false},
		{`title pr or userType eq "Intern"`, true, true},
		{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, true, false},
		{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`, true, false},
		{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`, false, true},
		{`userType eq "Employee" and (emails.type eq "work")`, true, false},
		{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`, true, false},
		{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			assert.Equal(t, tt.bjensen, match(t, tt.filter, bjensen()), "bjensen")
			assert.Equal(t, tt.ot, match(t, tt.filter, other), "other")
		})
	}
}

func TestOperatorsByType(t *testing.T) {
	tests := []struct {
		filter string
		want   bool
	}{
		// string, caseExact false (userName): case-insensitive
		{`userName eq "BJENSEN"`, true},
		{`userName ne "BJENSEN"`, false},
		{`userName co "JENS"`, true},
		{`userName sw "BJ"`, true},
		{`userName ew "SEN"`, true},
		{`userName gt "ALICE"`, true},
		{`userName ge "BJENSEN"`, true},
		{`userName lt "CAROL"`, true},
		{`userName le "alice"`, false},
		// string, caseExact true (id, externalId)
		{`id eq "2819c223-7f76-453a-919d-413861904646"`, true},
		{`id eq "2819C223-7F76-453A-919D-413861904646"`, false},
		{`externalId eq "BJENSEN-EXT"`, false},
		{`externalId sw "bjensen"`, true},
		{`externalId co "SEN-E"`, false},
		// boolean, including the strings Entra sends
		{`active eq true`, true},
		{`active eq "True"`, true},
		{`active eq "false"`, false},
		{`active ne false`, true},
		// dateTime compared as instants, whatever the offset
		{`meta.created eq "2010-01-23T05:56:22+01:00"`, true},
		{`meta.created gt "2010-01-23T04:56:21.5Z"`, true},
		{`meta.created lt "2010-01-23T04:56:22Z"`, false},
		// reference/string in an extension, URN-qualified
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER pr`, true},
		// binary eq/ne
		{`x509Certificates.value eq "TUlJRERqQ0NBL"`, true},
		{`x509Certificates.value ne "TUlJRERqQ0NBL"`, false},
		// multi-valued: any value
		{`emails.type eq "home"`, true},
		{`emails.value ew ".ORG"`, true},
		{`emails[type eq "home" and primary eq true]`, false},
		{`emails[type eq "work" and primary eq true]`, true},
		{`emails[not (type eq "work")]`, true},
		// pr and null
		{`nickName pr`, false},
		{`nickName eq null`, true},
		{`title ne null`, true},
		{`name pr`, true},
		{`emails pr`, true},
		// meta.resourceType
		{`meta.resourceType eq "User"`, true},
		{`meta.resourceType eq "user"`, false},
		// unknown attributes match nothing
		{`favouriteColour eq "blue"`, false},
		{`not (favouriteColour eq "blue")`, true},
		{`emails[colour eq "blue"]`, false},
		// grouping and precedence: and binds tighter than or
		{`userName eq "x" and title pr or active eq true`, true},
		{`userName eq "x" and (title pr or active eq true)`, false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			assert.Equal(t, tt.want, match(t, tt.filter, bjensen()))
		})
	}
}

func TestIntegerAndDecimal(t *testing.T) {
	rt := &schema.ResourceType{Name: "Device", Endpoint: "/Devices", Schema: &schema.Schema{
		ID: "urn:example:Device",
		Attributes: []*schema.Attribute{
			{Name: "ports", Type: schema.Integer},
			{Name: "weight", Type: schema.Decimal},
			{Name: "serial", Type: schema.String, CaseExact: true},
		},
	}}
	doc := map[string]any{"ports": int64(8), "weight": 1.5, "serial": "AB"}
	tests := []struct {
		filter string
		want   bool
	}{
		{`ports eq 8`, true}, {`ports gt 7`, true}, {`ports ge 8.0`, true}, {`ports lt 8`, false},
		{`ports le 10`, true}, {`ports ne 8`, false}, {`weight gt 1.25`, true}, {`weight eq 1.5`, true},
		{`weight lt 1`, false}, {`weight le 1.5e0`, true}, {`serial eq "ab"`, false}, {`serial eq "AB"`, true},
	}
	for _, tt := range tests {
		e, err := filter.Parse(tt.filter, rt, filter.Options{})
		require.NoError(t, err, tt.filter)
		assert.Equal(t, tt.want, filter.Match(e, doc), tt.filter)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []string{
		``,
		`userName`,
		`userName eq`,
		`userName xx "a"`,
		`userName eq "a" and`,
		`(userName eq "a"`,
		`userName eq "a")`,
		`active gt true`,
		`active eq "yes"`,
		`x509Certificates.value gt "a"`,
		`x509Certificates.value co "a"`,
		`meta.created gt "yesterday"`,
		`meta.created sw "2010"`,
		`userName eq 5`,
		`emails[type eq "work"`,
		`emails[type eq "work" and ims[type eq "x"]]`,
		`userName[value eq "x"]`,
		`emails[value.x eq "x"]`,
		strings.Repeat("(", 40) + `userName eq "a"` + strings.Repeat(")", 40),
		`userName eq "` + strings.Repeat("a", 5000) + `"`,
	}
	for _, f := range tests {
		name := f
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			_, err := filter.Parse(f, users, filter.Options{})
			var se *schema.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, schema.InvalidFilter, se.Code)
			assert.NotEmpty(t, se.Detail)
		})
	}
}

func TestStrict(t *testing.T) {
	_, err := filter.Parse(`favouriteColour eq "blue"`, users, filter.Options{Strict: true})
	var se *schema.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, schema.InvalidFilter, se.Code)
	assert.Contains(t, se.Detail, "favouriteColour")
}

func TestBoundsAreConfigurable(t *testing.T) {
	f := `((userName eq "a"))`
	_, err := filter.Parse(f, users, filter.Options{MaxDepth: 1})
	assert.Error(t, err)
	_, err = filter.Parse(f, users, filter.Options{MaxDepth: 2})
	assert.NoError(t, err)
	_, err = filter.Parse(f, users, filter.Options{MaxLength: 10})
	assert.Error(t, err)
}

func TestStringRoundTrips(t *testing.T) {
	for _, f := range []string{
		`userName eq "bjensen"`,
		`title pr and (userType eq "Employee" or not (active eq false))`,
		`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"]`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"`,
		`name.familyName co "O\"Malley"`,
		`meta.lastModified gt "2011-05-13T04:42:34Z"`,
	} {
		e, err := filter.Parse(f, users, filter.Options{})
		require.NoError(t, err, f)
		again, err := filter.Parse(e.String(), users, filter.Options{})
		require.NoError(t, err, "reparse %s", e.String())
		assert.Equal(t, e.String(), again.String())
		assert.Equal(t, filter.Match(e, bjensen()), filter.Match(again, bjensen()), f)
	}
	e, err := filter.Parse(`name.familyName eq "O\"Malley"`, users, filter.Options{})
	require.NoError(t, err)
	assert.Equal(t, `O"Malley`, e.(*filter.Compare).Value, "escapes are decoded")
}

func TestWalkVisitsEveryNode(t *testing.T) {
	e, err := filter.Parse(`userName eq "a" or not (emails[type eq "work"] and title pr)`, users, filter.Options{})
	require.NoError(t, err)
	var paths []string
	filter.Walk(e, func(x filter.Expr) bool {
		if c, ok := x.(*filter.Compare); ok {
			paths = append(paths, c.Path.String())
		}
		return true
	})
	assert.Equal(t, []string{"userName", "type", "title"}, paths)

	var visited int
	filter.Walk(e, func(x filter.Expr) bool { visited++; _, isNot := x.(*filter.Not); return !isNot })
	assert.Equal(t, 3, visited, "children of a node for which fn returns false are skipped")
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		path, attr, sub, ext string
		filtered             bool
	}{
		{"userName", "userName", "", "", false},
		{"NAME.GIVENNAME", "name", "givenName", "", false},
		{`emails[type eq "work"]`, "emails", "", "", true},
		{`emails[type eq "work"].value`, "emails", "value", "", true},
		{`members[value eq "2819c223"].display`, "", "", "", false},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "manager", "", schema.EnterpriseUserSchemaURN, false},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "manager", "value", schema.EnterpriseUserSchemaURN, false},
		{"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName", "name", "familyName", "", false},
		{`roles[primary eq "True"].display`, "roles", "display", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := filter.ParsePath(tt.path, users, filter.Options{})
			if tt.attr == "" {
				require.Error(t, err, "members is not a User attribute")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.attr, p.Attr.Name)
			if tt.sub != "" {
				// The resolved sub-attribute is reachable as p.Sub: the
				// name as written is p.SubAttr and no longer hides it.
				require.NotNil(t, p.Sub)
				assert.Equal(t, tt.sub, p.Sub.Name)
				assert.Equal(t, strings.ToLower(tt.sub), strings.ToLower(p.SubAttr))
			}
			assert.Equal(t, tt.ext, p.Extension)
			assert.Equal(t, tt.filtered, p.Filter != nil)
			again, err := filter.ParsePath(p.String(), users, filter.Options{})
			require.NoError(t, err, p.String())
			assert.Equal(t, p.String(), again.String())
		})
	}

	p, err := filter.ParsePath(schema.EnterpriseUserSchemaURN, users, filter.Options{})
	require.NoError(t, err)
	assert.Equal(t, schema.EnterpriseUserSchemaURN, p.Extension)
	assert.Nil(t, p.Attr, "a bare extension URN names the whole extension")

	work, err := filter.ParsePath(`emails[type eq "work"]`, users, filter.Options{})
	require.NoError(t, err)
	assert.True(t, filter.MatchValue(work.Filter, map[string]any{"type": "WORK", "value": "a@b"}), "type is not caseExact")
	assert.False(t, filter.MatchValue(work.Filter, map[string]any{"type": "home"}))
}

func TestParsePathErrors(t *testing.T) {
	tests := map[string]schema.ErrorType{
		"":                        schema.InvalidPath,
		"favouriteColour":         schema.InvalidPath,
		"name.middle name":        schema.InvalidPath,
		"name.nickname":           schema.InvalidPath,
		`userName[value eq "x"]`:  schema.InvalidPath,
		`emails[type eq "work"`:   schema.InvalidPath,
		`emails[type eq ]`:        schema.InvalidFilter,
		`emails[type eq "w"].foo`: schema.InvalidPath,
		`emails[type eq "w"]x`:    schema.InvalidPath,
		"urn:example:unknown:x":   schema.InvalidPath,
	}
	for path, want := range tests {
		t.Run(path, func(t *testing.T) {
			_, err := filter.ParsePath(path, users, filter.Options{})
			var se *schema.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, want, se.Code, se.Detail)
		})
	}
}

// TestValueFilterIsAnyFilter checks that the filter inside a value path's
// brackets may be any filter, as the valFilter rule of RFC 7644 §3.4.2.2
// allows: parenthesised, with more than two terms, nested groups and
// brackets or quotes inside strings; in filters and in PATCH paths alike.
func TestValueFilterIsAnyFilter(t *testing.T) {
	tests := []struct {
		filter string
		want   bool
		// path: the filter is one emails value path, also tried as a
		// PATCH path.
		path bool
	}{
		{`emails[(value eq "bjensen@example.com")]`, true, true},
		{`emails[(value eq "x")]`, false, true},
		{`emails[((type eq "home"))]`, true, true},
		{`emails[(value eq "x" or value eq "babs@jensen.org") and primary eq true]`, false, true},
		{`emails[(value eq "x" or value eq "bjensen@example.com") and primary eq true]`, true, true},
		{`emails[primary eq true and (value eq "x" or type eq "work")]`, true, true},
		{`emails[type eq "work" and primary eq true and value co "example"]`, true, true},
		{`emails[type eq "work" and primary eq true and value co "jensen.org"]`, false, true},
		{`emails[not (type eq "work") and not (value eq "x")]`, true, true},
		{`emails[value eq "a]b" or (type eq "[home]")]`, false, true},
		{`userName eq "bjensen" and emails[(type eq "home")] and ims[(value co "foo")]`, true, false},
		{`emails[(type eq "home")] and ims[(value co "bar")]`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			assert.Equal(t, tt.want, match(t, tt.filter, bjensen()))
			e, err := filter.Parse(tt.filter, users, filter.Options{})
			require.NoError(t, err)
			again, err := filter.Parse(e.String(), users, filter.Options{})
			require.NoError(t, err, e.String())
			assert.Equal(t, e.String(), again.String())
			if !tt.path {
				return
			}
			p, err := filter.ParsePath(tt.filter, users, filter.Options{})
			require.NoError(t, err)
			require.NotNil(t, p.Filter)
			var selected bool
			for _, v := range bjensen()["emails"].([]any) {
				selected = selected || filter.MatchValue(p.Filter, v.(map[string]any))
			}
			assert.Equal(t, tt.want, selected, "as a PATCH path")
		})
	}

	for _, bad := range []string{
		`emails[(value eq "x"]`,
		`emails[(value eq "x") and ]`,
		`emails[()]`,
		`emails[(ims[value eq "x"])]`,
		`emails[(value.x eq "x")]`,
	} {
		t.Run(bad, func(t *testing.T) {
			_, err := filter.Parse(bad, users, filter.Options{})
			var se *schema.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, schema.InvalidFilter, se.Code, se.Detail)
		})
	}
}
