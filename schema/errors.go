package schema

import "github.com/scimkit/scim/scimerr"

// Error is the library's one error type (see package scimerr): schema,
// filter and patch return it for bad input, with the Code that decides
// the response's status and scimType.
type Error = scimerr.Error

// ErrorType is the kind of an Error; it is scimerr.Code.
type ErrorType = scimerr.Code

// The codes of RFC 7644 §3.12 that describe bad input, under the names
// this package has always used for them.
const (
	InvalidFilter   = scimerr.InvalidFilter
	TooMany         = scimerr.TooMany
	UniquenessError = scimerr.Uniqueness
	MutabilityError = scimerr.Mutability
	InvalidSyntax   = scimerr.InvalidSyntax
	InvalidPath     = scimerr.InvalidPath
	NoTarget        = scimerr.NoTarget
	InvalidValue    = scimerr.InvalidValue
	InvalidVers     = scimerr.InvalidVers
	Sensitive       = scimerr.Sensitive
)

// Errorf returns an *Error of the given code with a formatted detail.
func Errorf(code ErrorType, format string, args ...any) *Error {
	return scimerr.Errorf(code, format, args...)
}
