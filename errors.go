package scim

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim/scimerr"
)

// Error is the library's one error type (see package scimerr): a Code that
// decides the HTTP status and scimType, a detail for the client and an
// optional wrapped cause. Stores and authenticators may return an *Error
// to control the response exactly; the schema, filter and patch packages
// return it for bad input.
type Error = scimerr.Error

// Sentinel errors that stores return; the server maps them to SCIM errors.
// A store may wrap them with a message meant for the client, such as
// fmt.Errorf("%w: userName %q is already taken", scim.ErrConflict, name):
// the text of a wrapped sentinel becomes the error's detail. errors.Is
// matches a sentinel with every *Error of its code.
var (
	// ErrNotFound: no resource with that id (404).
	ErrNotFound = scimerr.Sentinel(scimerr.NotFound, "scim: not found", "resource not found")
	// ErrConflict: a uniqueness constraint would be violated (409
	// uniqueness).
	ErrConflict = scimerr.Sentinel(scimerr.Uniqueness, "scim: conflict", "a resource with the same unique attribute value already exists")
	// ErrPreconditionFailed: the stored version differs from the one
	// required (412).
	ErrPreconditionFailed = scimerr.Sentinel(scimerr.PreconditionFailed, "scim: precondition failed", "the resource has changed: its version does not match If-Match")
	// ErrInvalidValue: a value the store cannot keep, such as a reference
	// to a resource that does not exist (400 invalidValue).
	ErrInvalidValue = scimerr.Sentinel(scimerr.InvalidValue, "scim: invalid value", "a value is not valid")
)

// ErrSkip may be returned by an optional store capability, such as
// Patcher, to decline a request it cannot serve natively: the server falls
// back to the required ResourceStore methods, as database/sql does with
// driver.ErrSkip. A store returns it before changing anything.
var ErrSkip = errors.New("scim: skip the native implementation")

// NewError returns an *Error with the code of the given HTTP status and
// scimType (see scimerr.CodeOf) and the given detail.
func NewError(status int, scimType, detail string) *Error {
	return scimerr.New(scimerr.CodeOf(status, scimType), detail)
}

// ErrorSchemaURN is the schema of SCIM error responses.
const ErrorSchemaURN = "urn:ietf:params:scim:api:messages:2.0:Error"

// internalDetail is all a client learns of an error that is not its doing.
const internalDetail = "internal server error"

// toError maps any error to the SCIM error the client sees. The second
// result is false when the error is not the client's doing: it is logged,
// and its text does not reach the client.
func toError(err error) (*Error, bool) {
	var e *Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return scimerr.New(scimerr.TooLarge,
			"the request body is larger than the maximum of "+strconv.FormatInt(tooLarge.Limit, 10)+" bytes"), true
	case errors.As(err, &e):
		if e.Code == scimerr.Internal {
			return scimerr.New(scimerr.Internal, internalDetail), false
		}
		if isSentinel(e) && err != error(e) {
			// A wrapped sentinel: the wrapping text is the detail.
			return scimerr.New(e.Code, sentinelDetail(err, e)), true
		}
		return e, true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return scimerr.New(scimerr.Unavailable, "the request was cancelled or timed out"), false
	default:
		return scimerr.New(scimerr.Internal, internalDetail), false
	}
}

func isSentinel(e *Error) bool {
	return e == ErrNotFound || e == ErrConflict || e == ErrPreconditionFailed || e == ErrInvalidValue
}

// sentinelDetail returns the client-facing part of a wrapped sentinel: the
// error's text without the sentinel's own, or the sentinel's detail when
// nothing else is left.
func sentinelDetail(err error, sentinel *Error) string {
	msg := strings.TrimPrefix(err.Error(), sentinel.Error())
	msg = strings.TrimLeft(msg, ": ")
	if msg == "" {
		return sentinel.Detail
	}
	return msg
}

// errorDocument returns e as a SCIM Error response body.
func errorDocument(e *Error) map[string]any {
	d := map[string]any{
		"schemas": []any{ErrorSchemaURN},
		"status":  strconv.Itoa(e.Status()),
		"detail":  e.Detail,
	}
	if t := e.ScimType(); t != "" {
		d["scimType"] = t
	}
	return d
}
