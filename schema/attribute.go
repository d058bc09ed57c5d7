// Package schema is the SCIM 2.0 attribute model of RFC 7643: attribute
// characteristics, the core User and Group schemas and the EnterpriseUser
// extension, resource types with their extensions, validation and
// canonicalisation of resource bodies, and attribute projection for responses.
//
// Everything here works on the plain JSON object model (map[string]any as
// produced by encoding/json), so the package can be used on its own.
//
// A canonical resource is a map whose keys are spelled exactly as the schema
// spells them (for example "userName", not "username"), whose extension
// attributes live under the extension's schema URN key, and whose values have
// the schema's types: string for string, reference, binary and dateTime
// (RFC 3339), bool for boolean, int64 for integer, float64 for decimal,
// map[string]any for complex and []any for multi-valued attributes.
package schema

import (
	"slices"
	"strings"
)

// Type is the data type of an attribute (RFC 7643 §2.3).
type Type string

// The attribute data types of RFC 7643 §2.3.
const (
	String    Type = "string"
	Boolean   Type = "boolean"
	Decimal   Type = "decimal"
	Integer   Type = "integer"
	DateTime  Type = "dateTime"
	Binary    Type = "binary"
	Reference Type = "reference"
	Complex   Type = "complex"
)

// Mutability says whether and how an attribute may be modified (RFC 7643 §7).
type Mutability string

// The mutability values of RFC 7643 §7.
const (
	ReadWrite Mutability = "readWrite"
	ReadOnly  Mutability = "readOnly"
	Immutable Mutability = "immutable"
	WriteOnly Mutability = "writeOnly"
)

// Returned says when an attribute is returned in a response (RFC 7643 §7).
type Returned string

// The returned values of RFC 7643 §7.
const (
	ReturnedDefault Returned = "default"
	ReturnedAlways  Returned = "always"
	ReturnedNever   Returned = "never"
	ReturnedRequest Returned = "request"
)

// Uniqueness says how an attribute's values must be unique (RFC 7643 §7).
type Uniqueness string

// The uniqueness values of RFC 7643 §7.
const (
	UniqueNone   Uniqueness = "none"
	UniqueServer Uniqueness = "server"
	UniqueGlobal Uniqueness = "global"
)

// Attribute describes one attribute of a schema with every characteristic of
// RFC 7643 §2 and §7. The zero values of Mutability, Returned and Uniqueness
// mean readWrite, default and none.
type Attribute struct {
	Name            string
	Type            Type
	MultiValued     bool
	Description     string
	Required        bool
	CanonicalValues []string
	CaseExact       bool
	Mutability      Mutability
	Returned        Returned
	Uniqueness      Uniqueness
	ReferenceTypes  []string
	SubAttributes   []*Attribute
}

// EffectiveMutability returns the attribute's mutability, readWrite when unset.
func (a *Attribute) EffectiveMutability() Mutability {
	if a.Mutability == "" {
		return ReadWrite
	}
	return a.Mutability
}

// EffectiveReturned returns when the attribute is returned, default when unset.
func (a *Attribute) EffectiveReturned() Returned {
	if a.Returned == "" {
		return ReturnedDefault
	}
	return a.Returned
}

// EffectiveUniqueness returns the attribute's uniqueness, none when unset.
func (a *Attribute) EffectiveUniqueness() Uniqueness {
	if a.Uniqueness == "" {
		return UniqueNone
	}
	return a.Uniqueness
}

// SubAttribute returns the sub-attribute with the given name, compared
// case-insensitively, or nil.
func (a *Attribute) SubAttribute(name string) *Attribute {
	return findAttribute(a.SubAttributes, name)
}

// Schema is a SCIM schema (RFC 7643 §7): a URN and its attributes.
type Schema struct {
	ID          string
	Name        string
	Description string
	Attributes  []*Attribute
}

// Attribute returns the top-level attribute with the given name, compared
// case-insensitively, or nil.
func (s *Schema) Attribute(name string) *Attribute {
	return findAttribute(s.Attributes, name)
}

func findAttribute(attrs []*Attribute, name string) *Attribute {
	// Canonical documents spell names as the schema does: try that first.
	for _, a := range attrs {
		if a.Name == name {
			return a
		}
	}
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// SchemaExtension is an extension schema of a resource type.
type SchemaExtension struct {
	Schema   *Schema
	Required bool
}

// ResourceType is a SCIM resource type (RFC 7643 §6): its endpoint, core
// schema and schema extensions.
type ResourceType struct {
	// ID defaults to Name when empty.
	ID          string
	Name        string
	Description string
	// Endpoint is the path relative to the server root, such as "/Users".
	Endpoint   string
	Schema     *Schema
	Extensions []SchemaExtension
}

// Extension returns the extension schema with the given URN, compared
// case-insensitively, or nil.
func (rt *ResourceType) Extension(urn string) *Schema {
	for _, e := range rt.Extensions {
		if strings.EqualFold(e.Schema.ID, urn) {
			return e.Schema
		}
	}
	return nil
}

// Schemas returns the core schema followed by every extension schema.
func (rt *ResourceType) Schemas() []*Schema {
	out := make([]*Schema, 0, 1+len(rt.Extensions))
	out = append(out, rt.Schema)
	for _, e := range rt.Extensions {
		out = append(out, e.Schema)
	}
	return out
}

// commonAttributes are the attributes every resource has (RFC 7643 §3.1):
// id, externalId and meta.
var commonAttributes = []*Attribute{
	{Name: "id", Type: String, CaseExact: true, Mutability: ReadOnly, Returned: ReturnedAlways, Uniqueness: UniqueServer,
		Description: "A unique identifier for a SCIM resource as defined by the service provider."},
	{Name: "externalId", Type: String, CaseExact: true,
		Description: "A String that is an identifier for the resource as defined by the provisioning client."},
	{Name: "meta", Type: Complex, Mutability: ReadOnly,
		Description: "A complex attribute containing resource metadata.",
		SubAttributes: []*Attribute{
			{Name: "resourceType", Type: String, CaseExact: true, Mutability: ReadOnly, Description: "The name of the resource type of the resource."},
			{Name: "created", Type: DateTime, Mutability: ReadOnly, Description: "The DateTime that the resource was added to the service provider."},
			{Name: "lastModified", Type: DateTime, Mutability: ReadOnly, Description: "The most recent DateTime that the details of this resource were updated at the service provider."},
			{Name: "location", Type: Reference, ReferenceTypes: []string{"uri"}, Mutability: ReadOnly, Description: "The URI of the resource being returned."},
			{Name: "version", Type: String, CaseExact: true, Mutability: ReadOnly, Description: "The version of the resource being returned."},
		}},
}

// CommonAttributes returns the attributes every resource has (RFC 7643
// §3.1): id, externalId and meta. They belong to no schema but are
// resolved like core attributes by Lookup. The slice is the caller's; the
// attributes are shared and must not be modified.
func CommonAttributes() []*Attribute { return slices.Clone(commonAttributes) }

// SchemasAttribute returns the description of the "schemas" attribute
// every resource carries. It is one shared value, so that a resolved path
// can be compared with it; it must not be modified.
func SchemasAttribute() *Attribute { return schemasAttribute }

var schemasAttribute = &Attribute{Name: "schemas", Type: Reference, MultiValued: true, CaseExact: false,
	Required: true, Returned: ReturnedAlways, ReferenceTypes: []string{"uri"}}

// Target is what an attribute path resolves to: the attribute, the
// sub-attribute when the path names one, and the extension URN under which
// the attribute is stored ("" for core and common attributes).
type Target struct {
	// Extension is the extension schema URN in the schema's own case, or ""
	// when the attribute is a core or common attribute.
	Extension string
	Attr      *Attribute
	// Sub is the sub-attribute, or nil when the path names the attribute
	// itself.
	Sub *Attribute
}

// Lookup resolves an attribute named by an optional schema URN, an attribute
// name and an optional sub-attribute name, all compared case-insensitively.
// With no URN, core and common attributes are searched; a URN naming the
// core schema or an extension restricts the search to it. It returns false
// when the schema does not define the attribute.
func (rt *ResourceType) Lookup(urn, name, sub string) (Target, bool) {
	var t Target
	switch {
	case urn == "":
		if t.Attr = rt.Schema.Attribute(name); t.Attr == nil {
			t.Attr = findAttribute(commonAttributes, name)
		}
	case strings.EqualFold(urn, rt.Schema.ID):
		if t.Attr = rt.Schema.Attribute(name); t.Attr == nil {
			t.Attr = findAttribute(commonAttributes, name)
		}
	default:
		ext := rt.Extension(urn)
		if ext == nil {
			return Target{}, false
		}
		t.Extension = ext.ID
		t.Attr = ext.Attribute(name)
	}
	if t.Attr == nil {
		return Target{}, false
	}
	if sub != "" {
		if t.Sub = t.Attr.SubAttribute(sub); t.Sub == nil {
			return Target{}, false
		}
	}
	return t, true
}

// LookupPath resolves a dotted attribute path such as "name.familyName",
// "emails.value" or
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
// A URN prefix is recognised by matching a schema of the resource type.
func (rt *ResourceType) LookupPath(path string) (Target, bool) {
	urn, rest := rt.SplitURN(path)
	name, sub, _ := strings.Cut(rest, ".")
	return rt.Lookup(urn, name, sub)
}

// SplitURN splits a path that begins with the URN of one of the resource
// type's schemas into that URN (as written) and the remainder after the
// colon. A path with no known URN prefix is returned whole as rest. A path
// that is exactly an extension URN returns that URN and "".
func (rt *ResourceType) SplitURN(path string) (urn, rest string) {
	if len(path) < 4 || !strings.EqualFold(path[:4], "urn:") {
		return "", path
	}
	for _, s := range rt.Schemas() {
		if len(path) >= len(s.ID) && strings.EqualFold(path[:len(s.ID)], s.ID) {
			if len(path) == len(s.ID) {
				return path, ""
			}
			if path[len(s.ID)] == ':' {
				return path[:len(s.ID)], path[len(s.ID)+1:]
			}
		}
	}
	return "", path
}
