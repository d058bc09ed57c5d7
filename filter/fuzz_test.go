package filter_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

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
	// Non-ASCII text: accents, case folding (final sigma, long s, Kelvin
	// sign), CJK, an emoji and escapes.
	`userName eq "Ærøskøbing" or displayName co "ΣΟΦΊΑ"`,
	`name.familyName sw "ſchmidt" and name.givenName ew "Karl"`,
	`displayName eq "山田 太郎" or nickName eq "🙂"`,
	`userName eq "\u00e9mile" or title co "\uD83D\uDE42"`,
	// Value paths with parentheses, as RFC 7644's valFilter allows.
	`emails[(value eq "x")]`,
	`emails[(value eq "x" or value eq "y") and primary eq true]`,
	`emails[not (type eq "work") and (value co "@" or display pr)]`,
	`emails[((type eq "work"))] or ims[(value co "ü")]`,
	`emails[value eq "a]b" or (type eq "[x]")]`,
	// The complex, multi-valued addresses attribute.
	`addresses[type eq "work" and (postalCode sw "9" or locality eq "Hollywood")]`,
	`addresses.country eq "US" and addresses.streetAddress co "Main"`,
	`addresses[region eq "Île-de-France" and locality pr]`,
	`addresses pr and not (addresses[primary eq true])`,
}

// TestFuzzSeedsCoverTheGrammar checks that the seed corpus of FuzzParse,
// which go test runs as regression tests, holds valid filters with
// non-ASCII text, value paths with parentheses and the complex addresses
// attribute, so that the fuzzer starts from them and not only from
// malformed input.
func TestFuzzSeedsCoverTheGrammar(t *testing.T) {
	tests := []struct {
		name string
		has  func(string) bool
	}{
		{"non-ASCII text", func(s string) bool { return strings.ContainsFunc(s, func(r rune) bool { return r > 0x7f }) }},
		{"value path with parentheses", func(s string) bool { return strings.Contains(s, "[(") }},
		{"nested groups in a value path", func(s string) bool { return strings.Contains(s, ") and ") && strings.Contains(s, "[(") }},
		{"addresses", func(s string) bool { return strings.Contains(s, "addresses") }},
		{"addresses value path", func(s string) bool { return strings.Contains(s, "addresses[") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			valid := 0
			for _, s := range seeds {
				if !tt.has(s) {
					continue
				}
				_, err := filter.Parse(s, users, filter.Options{})
				assert.NoError(t, err, s)
				valid++
			}
			assert.NotZero(t, valid)
		})
	}
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
		schema.EnterpriseUserSchemaURN + ":manager", `emails[`, `]`, `a.b.c`,
		`emails[(value eq "x" or value eq "y") and primary eq true].display`, `emails[(type eq "wörk")]`,
		`addresses[type eq "work" and (locality eq "Zürich" or not (postalCode pr))].streetAddress`,
		`addresses.locality`} {
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
		`meta.created gt "2011-05-13T04:42:34Z"`, `nickName  eq  "a b"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"`,
		`displayName eq "山田 太郎"`, `userName co "ſ\u212A"`, `addresses.locality eq "Zürich"`} {
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
