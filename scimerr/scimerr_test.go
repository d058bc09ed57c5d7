package scimerr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimkit/scim/scimerr"
)

func TestCodeTable(t *testing.T) {
	tests := []struct {
		code     scimerr.Code
		status   int
		scimType string
	}{
		{scimerr.InvalidFilter, http.StatusBadRequest, "invalidFilter"},
		{scimerr.TooMany, http.StatusBadRequest, "tooMany"},
		{scimerr.Uniqueness, http.StatusConflict, "uniqueness"},
		{scimerr.Mutability, http.StatusBadRequest, "mutability"},
		{scimerr.InvalidSyntax, http.StatusBadRequest, "invalidSyntax"},
		{scimerr.InvalidPath, http.StatusBadRequest, "invalidPath"},
		{scimerr.NoTarget, http.StatusBadRequest, "noTarget"},
		{scimerr.InvalidValue, http.StatusBadRequest, "invalidValue"},
		{scimerr.InvalidVers, http.StatusBadRequest, "invalidVers"},
		{scimerr.Sensitive, http.StatusForbidden, "sensitive"},
		{scimerr.InvalidCursor, http.StatusBadRequest, "invalidCursor"},
		{scimerr.ExpiredCursor, http.StatusBadRequest, "expiredCursor"},
		{scimerr.BadRequest, http.StatusBadRequest, ""},
		{scimerr.Unauthorized, http.StatusUnauthorized, ""},
		{scimerr.Forbidden, http.StatusForbidden, ""},
		{scimerr.NotFound, http.StatusNotFound, ""},
		{scimerr.MethodNotAllowed, http.StatusMethodNotAllowed, ""},
		{scimerr.Conflict, http.StatusConflict, ""},
		{scimerr.PreconditionFailed, http.StatusPreconditionFailed, ""},
		{scimerr.TooLarge, http.StatusRequestEntityTooLarge, ""},
		{scimerr.UnsupportedMediaType, http.StatusUnsupportedMediaType, ""},
		{scimerr.TooManyRequests, http.StatusTooManyRequests, ""},
		{scimerr.Internal, http.StatusInternalServerError, ""},
		{scimerr.NotImplemented, http.StatusNotImplemented, ""},
		{scimerr.Unavailable, http.StatusServiceUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			assert.Equal(t, tt.status, tt.code.Status())
			assert.Equal(t, tt.scimType, tt.code.ScimType())
			assert.Equal(t, tt.code, scimerr.CodeOf(tt.status, tt.scimType), "status and scimType lead back to the code")
		})
	}
}

func TestCodeOfUnlisted(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		scimType string
		want     scimerr.Code
	}{
		{"unknown scimType keeps the status", http.StatusBadRequest, "bogus", scimerr.BadRequest},
		{"409 without scimType", http.StatusConflict, "", scimerr.Conflict},
		{"unlisted client status", http.StatusTeapot, "", scimerr.BadRequest},
		{"unlisted server status", http.StatusBadGateway, "", scimerr.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, scimerr.CodeOf(tt.status, tt.scimType))
		})
	}
	assert.Equal(t, http.StatusInternalServerError, scimerr.Code(200).Status(), "an unknown code is internal")
}

func TestErrorWrapAndIs(t *testing.T) {
	cause := errors.New("disk full")
	err := fmt.Errorf("saving: %w", scimerr.Wrap(scimerr.Internal, cause, "could not save"))
	assert.ErrorIs(t, err, cause, "the cause is reachable")
	var e *scimerr.Error
	if assert.ErrorAs(t, err, &e) {
		assert.Equal(t, scimerr.Internal, e.Code)
		assert.Equal(t, "could not save", e.Detail)
	}
	assert.ErrorIs(t, scimerr.New(scimerr.NotFound, "no user 7"), scimerr.New(scimerr.NotFound, "x"), "errors of one code match")
	assert.NotErrorIs(t, scimerr.New(scimerr.NotFound, "x"), scimerr.New(scimerr.Conflict, "x"))
	assert.Equal(t, "scim: invalidPath: bad path", scimerr.New(scimerr.InvalidPath, "bad path").Error())
}

func TestSentinelText(t *testing.T) {
	sentinel := scimerr.Sentinel(scimerr.NotFound, "store: not found", "resource not found")
	err := fmt.Errorf("%w: no user 7", sentinel)
	assert.Equal(t, "store: not found: no user 7", err.Error())
	assert.ErrorIs(t, err, sentinel)
	assert.ErrorIs(t, scimerr.New(scimerr.NotFound, "x"), sentinel, "any error of the code matches")
	assert.Equal(t, "resource not found", sentinel.Detail)
}
