package filter_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// A client that sends a malformed filter learns what is wrong and where,
// in its own terms, not in the parser's.
func TestParseErrorMessagesPointAtTheProblem(t *testing.T) {
	tests := map[string]string{
		`userName eq`:                     `the filter ends after "eq": expected a value`,
		`userName xx "a"`:                 `at position 10: unknown operator "xx" after "userName"`,
		`userName eq "a" and (`:           `the filter ends after "(": expected an attribute name`,
		`emails[type eq "work"`:           `the filter ends with "[" still open: expected "]"`,
		`userName eq "a`:                  `at position 13: the string is not terminated`,
		`userName eq "a")`:                `at position 16: ")" closes nothing`,
		`userName eq "a" userName pr`:     `at position 17: expected "and", "or" or the end of the filter, found "userName"`,
		`userName eq bob`:                 `at position 13: expected a value after "eq"`,
		`(userName pr) and and`:           `at position 19: expected an attribute name, "not" or "(", found "and"`,
		`userName`:                        `the filter ends after "userName": expected an operator`,
		`title eq "a" or (nickName eq`:    `the filter ends after "eq": expected a value`,
		`emails[type eq "w"] or 5 eq "a"`: `at position 24: expected an attribute name`,
	}
	for f, want := range tests {
		t.Run(f, func(t *testing.T) {
			_, err := filter.Parse(f, users, filter.Options{})
			var se *schema.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, schema.InvalidFilter, se.Code)
			assert.Contains(t, se.Detail, want)
			assert.NotContains(t, se.Detail, "parse conflict")
		})
	}
}
