package patch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimkit/scim/schema"
)

const (
	babs  = "2819c223-7f76-453a-919d-413861904646"
	mandy = "902c246b-6245-4190-8e05-00816be7344a"
	james = "08e1d05d-121c-4561-8b96-473d93df9210"
)

// rfcGroup is a group with Babs and Mandy as members.
func rfcGroup(t testing.TB) map[string]any {
	return canonical(t, groups, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName": "Tour Guides",
		"members": [
			{"value": "`+babs+`", "$ref": "https://example.com/v2/Users/`+babs+`", "display": "Babs Jensen"},
			{"value": "`+mandy+`", "$ref": "https://example.com/v2/Users/`+mandy+`", "display": "Mandy Pepperidge"}]}`)
}

// rfcUser is Babs Jensen with a work email and a work address.
func rfcUser(t testing.TB) map[string]any {
	return canonical(t, users, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "bjensen",
		"emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
		"addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}]}`)
}

// TestRFC7644Examples applies every PATCH example of RFC 7644 §3.5.2 and
// compares the whole outcome.
func TestRFC7644Examples(t *testing.T) {
	twoMembers := `[
		{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/` + babs + `", "value": "` + babs + `"},
		{"display": "James Smith", "$ref": "https://example.com/v2/Users/` + james + `", "value": "` + james + `"}]`
	tests := []struct {
		name    string
		rt      *schema.ResourceType
		start   func(testing.TB) map[string]any
		ops     string
		want    string // the expected attributes as a JSON object
		added   []string
		removed []string
	}{{
		name:  "3.5.2.1 add a member to a group",
		rt:    groups,
		start: func(t testing.TB) map[string]any { return group(t, mandy) },
		ops: `[{"op":"add","path":"members","value":[{"display": "Babs Jensen",
			"$ref": "https://example.com/v2/Users/` + babs + `", "value": "` + babs + `"}]}]`,
		want: `{"displayName": "Tour Guides", "members": [{"value": "` + mandy + `"},
			{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/` + babs + `", "value": "` + babs + `"}]}`,
		added: []string{babs},
	}, {
		name:  "3.5.2.1 add without a path",
		rt:    users,
		start: rfcUser,
		ops:   `[{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}]`,
		want: `{"userName": "bjensen", "nickName": "Babs",
			"emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
			"addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}]}`,
	}, {
		name:    "3.5.2.2 remove all members",
		rt:      groups,
		start:   rfcGroup,
		ops:     `[{"op":"remove","path":"members"}]`,
		want:    `{"displayName": "Tour Guides"}`,
		removed: []string{babs, mandy},
	}, {
		name:  "3.5.2.2 remove one member",
		rt:    groups,
		start: rfcGroup,
		ops:   `[{"op":"remove","path":"members[value eq \"` + babs + `\"]"}]`,
		want: `{"displayName": "Tour Guides", "members": [
			{"value": "` + mandy + `", "$ref": "https://example.com/v2/Users/` + mandy + `", "display": "Mandy Pepperidge"}]}`,
		removed: []string{babs},
	}, {
		name:  "3.5.2.2 remove a value selected by a complex filter",
		rt:    users,
		start: bjensen,
		ops:   `[{"op":"remove","path":"emails[type eq \"work\" and value ew \"example.com\"]"}]`,
		want: `{"userName": "bjensen", "displayName": "Babs", "active": true,
			"name": {"givenName": "Barbara", "familyName": "Jensen"},
			"emails": [{"value": "babs@jensen.org", "type": "home"}],
			"addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}]}`,
	}, {
		name:    "3.5.2.2 remove all members and add new ones",
		rt:      groups,
		start:   rfcGroup,
		ops:     `[{"op":"remove","path":"members"},{"op":"add","path":"members","value":` + twoMembers + `}]`,
		want:    `{"displayName": "Tour Guides", "members": ` + twoMembers + `}`,
		added:   []string{james},
		removed: []string{mandy},
	}, {
		name:    "3.5.2.3 replace all members",
		rt:      groups,
		start:   rfcGroup,
		ops:     `[{"op":"replace","path":"members","value":` + twoMembers + `}]`,
		want:    `{"displayName": "Tour Guides", "members": ` + twoMembers + `}`,
		added:   []string{james},
		removed: []string{mandy},
	}, {
		name:  "3.5.2.3 replace the work address",
		rt:    users,
		start: rfcUser,
		ops: `[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work",
			"streetAddress":"911 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608",
			"country":"US","formatted":"911 Universal City Plaza\nHollywood, CA 91608 US","primary":true}}]`,
		want: `{"userName": "bjensen", "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
			"addresses": [{"type":"work","streetAddress":"911 Universal City Plaza","locality":"Hollywood","region":"CA",
			"postalCode":"91608","country":"US","formatted":"911 Universal City Plaza\nHollywood, CA 91608 US","primary":true}]}`,
	}, {
		name:  "3.5.2.3 replace a sub-attribute of the work address",
		rt:    users,
		start: rfcUser,
		ops:   `[{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1010 Broadway Ave"}]`,
		want: `{"userName": "bjensen", "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
			"addresses": [{"type": "work", "streetAddress": "1010 Broadway Ave", "locality": "Hollywood"}]}`,
	}, {
		name:  "3.5.2.3 replace without a path",
		rt:    users,
		start: bjensen,
		ops: `[{"op":"replace","value":{"emails":[{"value":"bjensen@example.com","type":"work","primary":true},
			{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}]`,
		want: `{"userName": "bjensen", "displayName": "Babs", "nickName": "Babs", "active": true,
			"name": {"givenName": "Barbara", "familyName": "Jensen"},
			"emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
			"addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}]}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, res := mustApply(t, tt.rt, tt.start(t), tt.ops)
			assert.Equal(t, decode(t, tt.want), out)
			assert.Equal(t, tt.added, res.MembersAdded, "members added")
			assert.Equal(t, tt.removed, res.MembersRemoved, "members removed")
			// Applying the request to its own outcome changes nothing more,
			// except where the request removes before it adds.
			_, again := mustApply(t, tt.rt, out, tt.ops)
			if tt.removed == nil && tt.added == nil {
				assert.False(t, again.Changed, "a second application changes nothing")
			}
			assert.True(t, res.Changed)
		})
	}
}
