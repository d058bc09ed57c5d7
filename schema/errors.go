package schema

import "fmt"

// ErrorType is a SCIM error detail keyword (the scimType of RFC 7644
// §3.12) for errors caused by the client's input.
type ErrorType string

// The scimType values of RFC 7644 §3.12 that describe bad input.
const (
	InvalidFilter   ErrorType = "invalidFilter"
	TooMany         ErrorType = "tooMany"
	UniquenessError ErrorType = "uniqueness"
	MutabilityError ErrorType = "mutability"
	InvalidSyntax   ErrorType = "invalidSyntax"
	InvalidPath     ErrorType = "invalidPath"
	NoTarget        ErrorType = "noTarget"
	InvalidValue    ErrorType = "invalidValue"
	InvalidVers     ErrorType = "invalidVers"
	Sensitive       ErrorType = "sensitive"
)

// Error is a client error in a SCIM document, path, filter or value. The
// server answers it with 400 Bad Request and the error's Type as scimType.
// It is shared by the schema, filter and patch packages.
type Error struct {
	Type   ErrorType
	Detail string
}

// Error implements error.
func (e *Error) Error() string { return "scim: " + string(e.Type) + ": " + e.Detail }

// ScimType returns the scimType keyword.
func (e *Error) ScimType() string { return string(e.Type) }

// Errorf returns an *Error of the given type with a formatted detail.
func Errorf(t ErrorType, format string, args ...any) *Error {
	return &Error{Type: t, Detail: fmt.Sprintf(format, args...)}
}
