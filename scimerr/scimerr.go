// Package scimerr holds the one error type of the SCIM library: an Error
// with a typed Code, a detail meant for the client and an optional wrapped
// cause. The schema, filter and patch packages and the root package scim
// all return it, and the HTTP status and scimType of a Code are decided in
// one table (Code.Status, Code.ScimType), as connect-go does with its codes.
//
// The package depends on nothing of the library, so that every other
// package can use it.
package scimerr

import (
	"fmt"
	"net/http"
)

// Code says what kind of error an Error is. It decides the HTTP status and
// the scimType keyword (RFC 7644 §3.12) of the response.
type Code uint8

// The codes. The first ten are the scimType values of RFC 7644 §3.12, the
// next two those of RFC 9865 for cursors; the rest have no scimType.
const (
	// Internal is a failure that is not the client's doing (500). Its
	// detail is never shown to the client. It is the zero Code.
	Internal Code = iota
	// InvalidFilter: the filter syntax is wrong or the comparison is not
	// allowed (400 invalidFilter).
	InvalidFilter
	// TooMany: the filter yields too many results (400 tooMany).
	TooMany
	// Uniqueness: a unique attribute value is taken (409 uniqueness).
	Uniqueness
	// Mutability: an attribute cannot be changed (400 mutability).
	Mutability
	// InvalidSyntax: the request body is not a valid SCIM message (400
	// invalidSyntax).
	InvalidSyntax
	// InvalidPath: the path attribute is invalid (400 invalidPath).
	InvalidPath
	// NoTarget: the path selects nothing (400 noTarget).
	NoTarget
	// InvalidValue: a value is missing or of the wrong kind (400
	// invalidValue).
	InvalidValue
	// InvalidVers: the version is not supported (400 invalidVers).
	InvalidVers
	// Sensitive: the request URI carries sensitive information (403
	// sensitive).
	Sensitive
	// InvalidCursor: the pagination cursor is not valid (400 invalidCursor,
	// RFC 9865).
	InvalidCursor
	// ExpiredCursor: the pagination cursor has expired (400 expiredCursor,
	// RFC 9865).
	ExpiredCursor
	// BadRequest: a client error with no scimType (400).
	BadRequest
	// Unauthorized: the request is not authenticated (401).
	Unauthorized
	// Forbidden: the request is not allowed (403).
	Forbidden
	// NotFound: no such resource or endpoint (404).
	NotFound
	// MethodNotAllowed: the endpoint does not support the method (405).
	MethodNotAllowed
	// Conflict: the request conflicts with the state of the server, other
	// than a uniqueness violation (409).
	Conflict
	// PreconditionFailed: the resource's version does not match the one
	// required (412).
	PreconditionFailed
	// TooLarge: the request is larger than allowed (413).
	TooLarge
	// UnsupportedMediaType: the body is not JSON (415).
	UnsupportedMediaType
	// TooManyRequests: the client sends too much (429).
	TooManyRequests
	// NotImplemented: the service provider does not support the request
	// (501).
	NotImplemented
	// Unavailable: the request could not be served now; try again (503).
	Unavailable

	numCodes
)

// codes is the one table of what each Code means on the wire.
var codes = [numCodes]struct {
	name     string
	status   int
	scimType string
}{
	Internal:             {"internal", http.StatusInternalServerError, ""},
	InvalidFilter:        {"invalidFilter", http.StatusBadRequest, "invalidFilter"},
	TooMany:              {"tooMany", http.StatusBadRequest, "tooMany"},
	Uniqueness:           {"uniqueness", http.StatusConflict, "uniqueness"},
	Mutability:           {"mutability", http.StatusBadRequest, "mutability"},
	InvalidSyntax:        {"invalidSyntax", http.StatusBadRequest, "invalidSyntax"},
	InvalidPath:          {"invalidPath", http.StatusBadRequest, "invalidPath"},
	NoTarget:             {"noTarget", http.StatusBadRequest, "noTarget"},
	InvalidValue:         {"invalidValue", http.StatusBadRequest, "invalidValue"},
	InvalidVers:          {"invalidVers", http.StatusBadRequest, "invalidVers"},
	Sensitive:            {"sensitive", http.StatusForbidden, "sensitive"},
	InvalidCursor:        {"invalidCursor", http.StatusBadRequest, "invalidCursor"},
	ExpiredCursor:        {"expiredCursor", http.StatusBadRequest, "expiredCursor"},
	BadRequest:           {"badRequest", http.StatusBadRequest, ""},
	Unauthorized:         {"unauthorized", http.StatusUnauthorized, ""},
	Forbidden:            {"forbidden", http.StatusForbidden, ""},
	NotFound:             {"notFound", http.StatusNotFound, ""},
	MethodNotAllowed:     {"methodNotAllowed", http.StatusMethodNotAllowed, ""},
	Conflict:             {"conflict", http.StatusConflict, ""},
	PreconditionFailed:   {"preconditionFailed", http.StatusPreconditionFailed, ""},
	TooLarge:             {"tooLarge", http.StatusRequestEntityTooLarge, ""},
	UnsupportedMediaType: {"unsupportedMediaType", http.StatusUnsupportedMediaType, ""},
	TooManyRequests:      {"tooManyRequests", http.StatusTooManyRequests, ""},
	NotImplemented:       {"notImplemented", http.StatusNotImplemented, ""},
	Unavailable:          {"unavailable", http.StatusServiceUnavailable, ""},
}

// String returns the code's name, such as "invalidFilter" or "notFound".
func (c Code) String() string {
	if c >= numCodes {
		return fmt.Sprintf("code(%d)", uint8(c))
	}
	return codes[c].name
}

// Status returns the HTTP status of responses with this code; an unknown
// code is Internal's 500.
func (c Code) Status() int {
	if c >= numCodes {
		return http.StatusInternalServerError
	}
	return codes[c].status
}

// ScimType returns the scimType keyword of responses with this code, or ""
// when it has none.
func (c Code) ScimType() string {
	if c >= numCodes {
		return ""
	}
	return codes[c].scimType
}

// CodeOf returns the Code with the given HTTP status and scimType. A
// scimType the status does not carry is ignored; a status without a Code
// of its own becomes BadRequest when it is below 500 and Unavailable
// otherwise (500 itself is Internal).
func CodeOf(status int, scimType string) Code {
	byStatus, found := Code(0), false
	for c := range numCodes {
		if codes[c].status != status {
			continue
		}
		if codes[c].scimType == scimType {
			return c
		}
		if codes[c].scimType == "" && !found {
			byStatus, found = c, true
		}
	}
	switch {
	case found:
		return byStatus
	case status < http.StatusInternalServerError:
		return BadRequest
	default:
		return Unavailable
	}
}

// Error is a SCIM error: what kind (Code), a detail meant for the client,
// and optionally the error that caused it (Unwrap). The detail of an
// Internal error is not shown to the client.
type Error struct {
	Code   Code
	Detail string
	cause  error
	text   string // the Error text of a sentinel
}

// New returns an *Error with the given code and detail.
func New(code Code, detail string) *Error {
	return &Error{Code: code, Detail: detail}
}

// Errorf returns an *Error with the given code and a formatted detail.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code and detail that wraps cause,
// so that errors.Is and errors.As see through it.
func Wrap(code Code, cause error, detail string) *Error {
	return &Error{Code: code, Detail: detail, cause: cause}
}

// Sentinel returns an *Error meant to be matched with errors.Is and
// wrapped with a message for the client, such as
// fmt.Errorf("%w: userName %q is taken", sentinel, name). Its Error text
// is text, so that the wrapping message reads well; detail is the detail
// the client sees when the sentinel is returned bare.
func Sentinel(code Code, text, detail string) *Error {
	return &Error{Code: code, Detail: detail, text: text}
}

// Error implements error.
func (e *Error) Error() string {
	if e.text != "" {
		return e.text
	}
	msg := "scim: " + e.Code.String()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

// Unwrap returns the cause, or nil.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, sentinel) matches every error of the sentinel's kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Status returns the HTTP status of the error's code.
func (e *Error) Status() int { return e.Code.Status() }

// ScimType returns the scimType keyword of the error's code, or "".
func (e *Error) ScimType() string { return e.Code.ScimType() }
