package filter_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/schema"
)

// TestParse_UnicodeEscapesInEitherCase parses \u escapes with lower-case
// hex digits, as encoding/json and most JSON libraries write them, the
// same as upper-case ones, in filters and in PATCH path filters.
func TestParse_UnicodeEscapesInEitherCase(t *testing.T) {
	tests := []struct{ filter, want string }{
		{`userName eq "a\u003eb"`, `a>b`},
		{`userName eq "a\u003Eb"`, `a>b`},
		{`userName eq "caf\u00e9"`, `café`},
		{`userName eq "\ud83d\ude00"`, `😀`},
		{`(userName eq "x\u0027y")`, `x'y`},
		{`userName eq "\\u00e9"`, `\u00e9`}, // an escaped backslash, not an escape
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := filter.Parse(tt.filter, users, filter.Options{})
			require.NoError(t, err)
			c, ok := e.(*filter.Compare)
			require.True(t, ok, "%T", e)
			assert.Equal(t, tt.want, c.Value)
		})
	}
	p, err := filter.ParsePath(`emails[value eq "a\u003eb"]`, users, filter.Options{})
	require.NoError(t, err)
	assert.True(t, filter.MatchValue(p.Filter, map[string]any{"value": "a>b"}))
}

// TestParse_RefusesNUL refuses comparison values holding U+0000, which no
// stored value holds and PostgreSQL refuses as a parameter.
func TestParse_RefusesNUL(t *testing.T) {
	for _, f := range []string{`userName eq "a\u0000b"`, `title co "\u0000"`, `emails[value sw "x\u0000"]`, `nickName gt "\u0000"`} {
		_, err := filter.Parse(f, users, filter.Options{})
		requireInvalidFilter(t, err, f)
	}
	_, err := filter.ParsePath(`emails[value eq "\u0000"]`, users, filter.Options{})
	requireInvalidFilter(t, err, "path")
}

// TestParse_RefusesNeverReturnedAttributes refuses filters and sorting on
// attributes that are never returned (password), which would otherwise
// reveal their values.
func TestParse_RefusesNeverReturnedAttributes(t *testing.T) {
	for _, f := range []string{`password eq "x"`, `password pr`, `PassWord sw "a"`, `(password co "a")`,
		`userName eq "a" or password lt "m"`, `urn:ietf:params:scim:schemas:core:2.0:User:password eq "x"`} {
		_, err := filter.Parse(f, users, filter.Options{})
		requireInvalidFilter(t, err, f)
	}
	_, err := filter.ParseAttrPath("password", users)
	var se *schema.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, schema.InvalidPath, se.Code)
	// PATCH may still target the password: it is writable.
	p, err := filter.ParsePath("password", users, filter.Options{})
	require.NoError(t, err)
	assert.Equal(t, "password", p.Attr.Name)
}

func requireInvalidFilter(t *testing.T, err error, what string) {
	t.Helper()
	var se *schema.Error
	require.ErrorAs(t, err, &se, what)
	assert.Equal(t, schema.InvalidFilter, se.Code, what)
}
