package boot

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestToken(t *testing.T) {
	var out bytes.Buffer
	got, err := Token("secret", &out)
	require.NoError(t, err)
	assert.Equal(t, "secret", got)
	assert.Empty(t, out.String(), "a given token is never printed")

	generated, err := Token("", &out)
	require.NoError(t, err)
	assert.Len(t, generated, 48)
	assert.Equal(t, 1, strings.Count(out.String(), generated), "the generated token is printed once")
	other, err := Token("", io.Discard)
	require.NoError(t, err)
	assert.NotEqual(t, generated, other)
}
