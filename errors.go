package scim

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors that stores return; the server maps them to SCIM errors.
var (
	// ErrNotFound: no resource with that id (404).
	ErrNotFound = errors.New("scim: not found")
	// ErrConflict: a uniqueness constraint would be violated (409 uniqueness).
	ErrConflict = errors.New("scim: conflict")
	// ErrPreconditionFailed: the stored version differs from the one
	// required (412).
	ErrPreconditionFailed = errors.New("scim: precondition failed")
)

// Error is a SCIM error response (RFC 7644 §3.12): an HTTP status, an
// optional scimType keyword and a human-readable detail. Handlers, hooks and
// stores may return an *Error to control the response exactly.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

// Error implements error.
func (e *Error) Error() string {
	if e.ScimType != "" {
		return fmt.Sprintf("scim: %d %s: %s", e.Status, e.ScimType, e.Detail)
	}
	return fmt.Sprintf("scim: %d: %s", e.Status, e.Detail)
}

// NewError returns an *Error with the given status, scimType and detail.
func NewError(status int, scimType, detail string) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: detail}
}

var _ = http.StatusOK
