// Package patch parses and applies SCIM 2.0 PATCH requests (RFC 7644 §3.5.2)
// to canonical resources, atomically, accepting the dialects that real
// identity providers send.
package patch

// Request is a parsed PatchOp body.
type Request struct {
	Operations []Operation
}

// Operation is one parsed PATCH operation.
type Operation struct {
	Op Op
	// Value is the operation's value after decoding.
	Value any
}

// Op is a PATCH operation name, normalised to lower case.
type Op string

// The PATCH operations of RFC 7644 §3.5.2.
const (
	Add     Op = "add"
	Remove  Op = "remove"
	Replace Op = "replace"
)

// Result says what applying a request changed.
type Result struct {
	// Changed is false when the request left the resource as it was.
	Changed bool
	// MembersAdded and MembersRemoved are the ids of group members added
	// and removed.
	MembersAdded   []string
	MembersRemoved []string
}
