package filter_test

import (
	"strings"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

var seeds = []string{
	`userName eq "bjensen"`,
	`name.familyName co "O'Malley"`,
	`meta.lastModified gt "2011-05-13T04:42:34Z"`,
	`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
	`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
	`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"`,
	`active eq "True"`, `title pr`, `((((userName eq "a"))))`, `emails[type eq "work"`, `"`, `not(`, `a eq 1e400`,
}

// FuzzParse checks that no input makes Parse or Match panic, and that
// what parses can be printed and parsed again.
func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	doc := bjensen()
	f.Fuzz(func(t *testing.T, s string) {
		e, err := filter.Parse(s, users, filter.Options{})
		if err != nil {
			if _, ok := err.(*schema.Error); !ok {
				t.Fatalf("Parse(%q) returned %T, want *schema.Error", s, err)
			}
			return
		}
		filter.Match(e, doc)
		if _, err := filter.Parse(e.String(), users, filter.Options{MaxLength: 1 << 20}); err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, e.String(), err)
		}
	})
}

// FuzzParsePath checks that no input makes ParsePath panic.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{`emails[type eq "work"].value`, `name.givenName`, `members[value eq "1"]`,
		schema.EnterpriseUserSchemaURN + ":manager", `emails[`, `]`, `a.b.c`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := filter.ParsePath(s, users, filter.Options{})
		if err != nil {
			if _, ok := err.(*schema.Error); !ok {
				t.Fatalf("ParsePath(%q) returned %T, want *schema.Error", s, err)
			}
			return
		}
		if p.Filter != nil {
			filter.MatchValue(p.Filter, map[string]any{"type": "work", "value": "x"})
		}
	})
}

// FuzzSimpleAgreesWithParser checks that the fast path for single
// comparisons builds the same tree as the general parser.
func FuzzSimpleAgreesWithParser(f *testing.F) {
	for _, s := range []string{`userName eq "bjensen"`, `title pr`, `ACTIVE Eq "True"`, `emails.value co "x"`,
		`meta.created gt "2011-05-13T04:42:34Z"`, `nickName  eq  "a b"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, errFast := filter.Parse(s, users, filter.Options{})
		// Wrapping in parentheses forces the general parser.
		slow, errSlow := filter.Parse("("+strings.TrimSpace(s)+")", users, filter.Options{})
		if (errFast == nil) != (errSlow == nil) {
			t.Fatalf("fast path error %v, parser error %v", errFast, errSlow)
		}
		if errFast != nil {
			return
		}
		if fast.String() != slow.String() {
			t.Fatalf("fast path %q, parser %q", fast, slow)
		}
	})
}
