package scim_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/scimerr"
	"github.com/scimkit/scim/store/memory"
)

// errStore fails Get with a chosen error.
type errStore struct {
	scim.ResourceStore
	err error
}

func (s errStore) Get(context.Context, string, schema.Projection) (*scim.Resource, error) {
	return nil, s.err
}

// TestErrorMapping checks the response of every way an error reaches the
// server: one error type, its code deciding status and scimType.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		status   int
		scimType string
		detail   string
		logged   bool
	}{
		{"bare sentinel", scim.ErrNotFound, 404, "", "resource not found", false},
		{"wrapped sentinel", fmt.Errorf("%w: userName %q is already taken", scim.ErrConflict, "bjensen"), 409, "uniqueness", `userName "bjensen" is already taken`, false},
		{"wrapped invalid value", fmt.Errorf("%w: manager 7 does not exist", scim.ErrInvalidValue), 400, "invalidValue", "manager 7 does not exist", false},
		{"NewError", scim.NewError(http.StatusForbidden, "", "tenant is blocked"), 403, "", "tenant is blocked", false},
		{"NewError with scimType", scim.NewError(http.StatusBadRequest, "noTarget", "nothing there"), 400, "noTarget", "nothing there", false},
		{"schema error", schema.Errorf(schema.Sensitive, "the filter carries a password"), 403, "sensitive", "the filter carries a password", false},
		{"wrapped schema error", fmt.Errorf("loading: %w", schema.Errorf(schema.InvalidValue, "bad")), 400, "invalidValue", "bad", false},
		{"internal code hides its detail", scimerr.Wrap(scimerr.Internal, errors.New("password=hunter2"), "db down"), 500, "", "internal server error", true},
		{"NewError 500 hides its detail", scim.NewError(http.StatusInternalServerError, "", "db at 10.0.0.7"), 500, "", "internal server error", true},
		{"unknown error", errors.New("password=hunter2"), 500, "", "internal server error", true},
		{"cancelled", context.Canceled, 503, "", "the request was cancelled or timed out", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			srv, err := scim.New(scim.WithUsers(errStore{memory.New().Users(), tt.err}), scim.WithoutAuthentication(), scim.WithBaseURL("https://example.com/scim/v2"),
				scim.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			require.NoError(t, err)
			r := serve(t, srv).do("GET", "/Users/x", nil)
			requireError(t, r, tt.status, tt.scimType)
			assert.Equal(t, tt.detail, r.body["detail"])
			assert.Equal(t, tt.logged, logs.Len() > 0, "logs: %s", logs.String())
			assert.NotContains(t, fmt.Sprint(r.body), "hunter2")
		})
	}
}

func TestSentinelsMatchTheirCode(t *testing.T) {
	tests := []struct {
		err      error
		sentinel error
	}{
		{scim.NewError(http.StatusNotFound, "", "no user 7"), scim.ErrNotFound},
		{scim.NewError(http.StatusConflict, "uniqueness", "taken"), scim.ErrConflict},
		{scim.NewError(http.StatusPreconditionFailed, "", "stale"), scim.ErrPreconditionFailed},
		{fmt.Errorf("x: %w", schema.Errorf(schema.InvalidValue, "bad")), scim.ErrInvalidValue},
	}
	for _, tt := range tests {
		assert.ErrorIs(t, tt.err, tt.sentinel)
	}
	assert.NotErrorIs(t, scim.ErrNotFound, scim.ErrConflict)
}
