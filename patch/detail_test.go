package patch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// TestOperationErrorsAreGrammatical checks the details of the errors that
// name an operation: they read "the replace operation", never "an
// replace operation", whatever op the client sent and whichever of Parse
// and Apply finds the fault.
func TestOperationErrorsAreGrammatical(t *testing.T) {
	tests := []struct {
		ops, want string
	}{
		{`[{"op":"replace","path":"userName"}]`, `the replace operation needs a "value"`},
		{`[{"op":"Replace","path":"userName"}]`, `the replace operation needs a "value"`},
		{`[{"op":"add","path":"userName"}]`, `the add operation needs a "value"`},
		{`[{"op":"replace","value":"x"}]`, `the replace operation without "path" needs an object "value"`},
		{`[{"op":"add","value":["x"]}]`, `the add operation without "path" needs an object "value"`},
	}
	for _, tt := range tests {
		t.Run(tt.ops, func(t *testing.T) {
			_, err := patch.Parse(decode(t, request(tt.ops)), users, patch.Options{})
			var se *schema.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, schema.InvalidValue, se.Code)
			assert.Contains(t, se.Detail, tt.want)
		})
	}
	for _, op := range []patch.Op{patch.Add, patch.Replace} {
		t.Run("Apply "+string(op), func(t *testing.T) {
			for _, o := range []patch.Operation{{Op: op}, {Op: op, Value: "x"}} {
				_, _, err := patch.Apply(users, map[string]any{"userName": "u"}, &patch.Request{Operations: []patch.Operation{o}})
				var se *schema.Error
				require.ErrorAs(t, err, &se)
				assert.Contains(t, se.Detail, "the "+string(op)+" operation")
				assert.NotContains(t, se.Detail, "an "+string(op))
			}
		})
	}
}
