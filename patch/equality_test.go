package patch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestApplyMultiValuedEquality checks that adding and removing values of
// a multi-valued attribute uses the RFC's equality (schema's
// Attribute.Equal), which the hash lookup must agree with: strings that
// are not caseExact compare by Unicode case folding, and a value is
// already there only when all its sub-attributes are.
func TestApplyMultiValuedEquality(t *testing.T) {
	const user = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen",
		"emails":[{"value":"kim@example.com","type":"work"},{"value":"bj@example.com","type":"home","primary":true}]}`
	for _, tt := range []struct {
		name    string
		ops     string
		changed bool
		emails  []any
	}{
		{"an email in another case is there", `[{"op":"add","path":"emails","value":[{"value":"KIM@Example.COM","type":"work"}]}]`, false, nil},
		{"the Kelvin sign folds to k", `[{"op":"add","path":"emails","value":[{"value":"\u212Aim@example.com","type":"work"}]}]`, false, nil},
		{"another type is another value", `[{"op":"add","path":"emails","value":[{"value":"kim@example.com","type":"home"}]}]`, true, []any{
			map[string]any{"value": "kim@example.com", "type": "work"},
			map[string]any{"value": "bj@example.com", "type": "home", "primary": true},
			map[string]any{"value": "kim@example.com", "type": "home"}}},
		{"a value given twice is added once", `[{"op":"add","path":"emails","value":[{"value":"new@example.com"},{"value":"NEW@example.com"}]}]`, true, []any{
			map[string]any{"value": "kim@example.com", "type": "work"},
			map[string]any{"value": "bj@example.com", "type": "home", "primary": true},
			map[string]any{"value": "new@example.com"}}},
		{"a new primary clears the old one and is found again", `[{"op":"add","path":"emails","value":[{"value":"p@example.com","primary":true}]},
			{"op":"add","path":"emails","value":[{"value":"bj@example.com","type":"home","primary":false},{"value":"P@example.com","primary":true}]}]`, true, []any{
			map[string]any{"value": "kim@example.com", "type": "work"},
			map[string]any{"value": "bj@example.com", "type": "home", "primary": false},
			map[string]any{"value": "p@example.com", "primary": true}}},
		{"remove by a value in another case", `[{"op":"remove","path":"emails","value":[{"value":"BJ@EXAMPLE.COM"}]}]`, true, []any{
			map[string]any{"value": "kim@example.com", "type": "work"}}},
		{"remove by value and type", `[{"op":"remove","path":"emails","value":[{"value":"kim@example.com","type":"home"},{"type":"HOME","value":"bj@example.com"}]}]`, true, []any{
			map[string]any{"value": "kim@example.com", "type": "work"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			attrs := canonical(t, users, user)
			out, res := mustApply(t, users, attrs, tt.ops)
			assert.Equal(t, tt.changed, res.Changed)
			if tt.changed {
				assert.Equal(t, tt.emails, out["emails"])
			} else {
				assert.Equal(t, attrs["emails"], out["emails"])
			}
		})
	}
}
