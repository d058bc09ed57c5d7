package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim/schema"
)

// Sentinel errors that stores return; the server maps them to SCIM errors.
// A store may wrap them with a message meant for the client, such as
// fmt.Errorf("%w: userName %q is already taken", scim.ErrConflict, name):
// the text of a wrapped sentinel becomes the error's detail.
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
// optional scimType keyword and a human-readable detail. Stores and
// authenticators may return an *Error to control the response exactly.
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

// ErrorSchemaURN is the schema of SCIM error responses.
const ErrorSchemaURN = "urn:ietf:params:scim:api:messages:2.0:Error"

// toError maps any error to the SCIM error the client sees. The second
// result is false when the error is not the client's doing and its text must
// not reach the client.
func toError(err error) (*Error, bool) {
	var e *Error
	var se *schema.Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &e):
		return e, true
	case errors.As(err, &se):
		status := http.StatusBadRequest
		if se.Type == schema.UniquenessError {
			status = http.StatusConflict
		}
		return &Error{Status: status, ScimType: string(se.Type), Detail: se.Detail}, true
	case errors.As(err, &tooLarge):
		return &Error{Status: http.StatusRequestEntityTooLarge,
			Detail: "the request body is larger than the maximum of " + strconv.FormatInt(tooLarge.Limit, 10) + " bytes"}, true
	case errors.Is(err, ErrNotFound):
		return &Error{Status: http.StatusNotFound, Detail: sentinelDetail(err, ErrNotFound, "resource not found")}, true
	case errors.Is(err, ErrConflict):
		return &Error{Status: http.StatusConflict, ScimType: string(schema.UniquenessError),
			Detail: sentinelDetail(err, ErrConflict, "a resource with the same unique attribute value already exists")}, true
	case errors.Is(err, ErrPreconditionFailed):
		return &Error{Status: http.StatusPreconditionFailed,
			Detail: sentinelDetail(err, ErrPreconditionFailed, "the resource has changed: its version does not match If-Match")}, true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Detail: "the request was cancelled or timed out"}, false
	default:
		return &Error{Status: http.StatusInternalServerError, Detail: "internal server error"}, false
	}
}

// sentinelDetail returns the client-facing part of a wrapped sentinel: the
// error's text without the sentinel's own, or fallback when the sentinel is
// bare.
func sentinelDetail(err, sentinel error, fallback string) string {
	msg := err.Error()
	if msg == sentinel.Error() {
		return fallback
	}
	msg = strings.TrimPrefix(msg, sentinel.Error())
	msg = strings.TrimLeft(msg, ": ")
	if msg == "" {
		return fallback
	}
	return msg
}

// document returns the error as a SCIM Error response body.
func (e *Error) document() map[string]any {
	d := map[string]any{
		"schemas": []any{ErrorSchemaURN},
		"status":  strconv.Itoa(e.Status),
		"detail":  e.Detail,
	}
	if e.ScimType != "" {
		d["scimType"] = e.ScimType
	}
	return d
}
