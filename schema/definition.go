package schema

import (
	"errors"
	"fmt"
	"strings"
)

// Validate checks the definition of a schema before it is registered: a
// non-empty ID that is a URN (RFC 8141: "urn:" NID ":" NSS), and attributes
// that are valid as Attribute definitions (see validateAttributes). The
// schema's Name is optional, as RFC 7643 §7 says. Every problem found is
// reported, joined with errors.Join.
func (s *Schema) Validate() error {
	if s == nil {
		return errors.New("schema: the schema is nil")
	}
	var errs []error
	switch {
	case s.ID == "":
		errs = append(errs, errors.New("schema: the schema ID is empty"))
	case !isURN(s.ID):
		errs = append(errs, fmt.Errorf("schema: the schema ID %q is not a URN such as \"urn:example:params:scim:schemas:2.0:Thing\"", s.ID))
	}
	errs = append(errs, validateAttributes(s.ID, s.Attributes, false)...)
	return errors.Join(errs...)
}

// Validate checks the definition of a resource type before it is
// registered: a non-empty Name, an ID (defaulting to Name) without "/", an
// Endpoint that begins with "/", a valid core schema whose attributes do
// not redefine the common attributes (id, externalId, meta, schemas), and
// valid extension schemas whose URNs are distinct from the core schema's
// and from each other's, compared case-insensitively. No schema URN may
// extend another followed by ":", because attribute paths such as
// "<urn>:<attribute>" would then be ambiguous. Every problem found is
// reported, joined with errors.Join.
func (rt *ResourceType) Validate() error {
	if rt == nil {
		return errors.New("schema: the resource type is nil")
	}
	var errs []error
	if strings.TrimSpace(rt.Name) == "" {
		errs = append(errs, errors.New("schema: the resource type name is empty"))
	}
	if rt.ID != "" && strings.TrimSpace(rt.ID) == "" {
		errs = append(errs, errors.New("schema: the resource type ID is blank"))
	}
	if strings.ContainsAny(rt.ID, "/?#") || (rt.ID == "" && strings.ContainsAny(rt.Name, "/?#")) {
		errs = append(errs, fmt.Errorf("schema: the resource type ID %q must not contain '/', '?' or '#'", rt.idOrName()))
	}
	if !validEndpoint(rt.Endpoint) {
		errs = append(errs, fmt.Errorf("schema: the endpoint %q of resource type %q must be a path such as \"/Users\"", rt.Endpoint, rt.idOrName()))
	}
	if rt.Schema == nil {
		errs = append(errs, fmt.Errorf("schema: the resource type %q has no core schema", rt.idOrName()))
	} else {
		errs = append(errs, rt.Schema.Validate())
		for _, a := range rt.Schema.Attributes {
			if a != nil && isCommonName(a.Name) {
				errs = append(errs, fmt.Errorf("schema: %s: the attribute %q is a common attribute of every resource and cannot be redefined", rt.Schema.ID, a.Name))
			}
		}
	}
	errs = append(errs, rt.validateExtensions()...)
	return errors.Join(errs...)
}

func (rt *ResourceType) idOrName() string {
	if rt.ID != "" {
		return rt.ID
	}
	return rt.Name
}

// validateExtensions checks the extension schemas and that every schema
// URN of the resource type is distinct and unambiguous.
func (rt *ResourceType) validateExtensions() []error {
	var errs []error
	var urns []string
	if rt.Schema != nil && rt.Schema.ID != "" {
		urns = append(urns, rt.Schema.ID)
	}
	for i, e := range rt.Extensions {
		if e.Schema == nil {
			errs = append(errs, fmt.Errorf("schema: extension %d of resource type %q has no schema", i, rt.idOrName()))
			continue
		}
		errs = append(errs, e.Schema.Validate())
		if e.Schema.ID == "" {
			continue
		}
		for _, u := range urns {
			switch {
			case strings.EqualFold(u, e.Schema.ID):
				errs = append(errs, fmt.Errorf("schema: the schema %q appears more than once in resource type %q", e.Schema.ID, rt.idOrName()))
			case urnExtends(u, e.Schema.ID), urnExtends(e.Schema.ID, u):
				errs = append(errs, fmt.Errorf("schema: the schema URNs %q and %q of resource type %q are ambiguous: one extends the other", u, e.Schema.ID, rt.idOrName()))
			}
		}
		urns = append(urns, e.Schema.ID)
	}
	return errs
}

// urnExtends reports whether long begins with short followed by ":".
func urnExtends(short, long string) bool {
	return len(long) > len(short) && long[len(short)] == ':' && strings.EqualFold(long[:len(short)], short)
}

func isCommonName(name string) bool {
	return findAttribute(commonAttributes, name) != nil || strings.EqualFold(name, schemasAttribute.Name)
}

func validEndpoint(e string) bool {
	return len(e) > 1 && e[0] == '/' && !strings.ContainsAny(e, " \t\r\n?#") && !strings.HasSuffix(e, "/")
}

// isURN reports whether s has the syntax of a URN of RFC 8141: "urn:", a
// namespace identifier of 2 to 32 letters, digits and hyphens that begins
// and ends with a letter or digit, ":" and a non-empty namespace-specific
// string of printable ASCII characters other than space.
func isURN(s string) bool {
	if len(s) < 4 || !strings.EqualFold(s[:4], "urn:") {
		return false
	}
	nid, nss, ok := strings.Cut(s[4:], ":")
	if !ok || len(nid) < 2 || len(nid) > 32 || nss == "" {
		return false
	}
	for i := 0; i < len(nid); i++ {
		c := nid[i]
		if !isAlpha(c) && !isDigit(c) && (c != '-' || i == 0 || i == len(nid)-1) {
			return false
		}
	}
	for i := 0; i < len(nss); i++ {
		if c := nss[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			return false
		}
	}
	return !strings.HasSuffix(nss, ":")
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// validAttributeName reports whether name is an attribute name of RFC 7643
// §2.1: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA.
// The name "$ref", which RFC 7643 gives to sub-attributes that hold a
// reference, is valid only when subAttribute is true.
func validAttributeName(name string, subAttribute bool) bool {
	if name == "$ref" {
		return subAttribute
	}
	if name == "" || !isAlpha(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// validateAttributes checks a list of attribute definitions under the
// given path (a schema URN or "<urn>:<attribute>" for sub-attributes).
func validateAttributes(path string, attrs []*Attribute, sub bool) []error {
	var errs []error
	seen := make(map[string]string, len(attrs))
	for i, a := range attrs {
		if a == nil {
			errs = append(errs, fmt.Errorf("schema: %s: attribute %d is nil", path, i))
			continue
		}
		if prev, dup := seen[strings.ToLower(a.Name)]; dup {
			errs = append(errs, fmt.Errorf("schema: %s: the attribute name %q is defined more than once (also as %q); names are case-insensitive", path, a.Name, prev))
		}
		seen[strings.ToLower(a.Name)] = a.Name
		errs = append(errs, validateAttribute(path, a, sub)...)
	}
	return errs
}

// validateAttribute checks one attribute definition and its sub-attributes.
func validateAttribute(path string, a *Attribute, sub bool) []error {
	var errs []error
	at := path + ":" + a.Name
	if sub {
		at = path + "." + a.Name
	}
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("schema: %s: "+format, append([]any{at}, args...)...))
	}
	if !validAttributeName(a.Name, sub) {
		bad("invalid attribute name %q: it must begin with a letter and contain only letters, digits, '-' and '_'", a.Name)
	}
	switch a.Type {
	case String, Boolean, Decimal, Integer, DateTime, Binary, Reference, Complex:
	default:
		bad("invalid type %q", a.Type)
	}
	switch a.Mutability {
	case "", ReadWrite, ReadOnly, Immutable, WriteOnly:
	default:
		bad("invalid mutability %q", a.Mutability)
	}
	switch a.Returned {
	case "", ReturnedDefault, ReturnedAlways, ReturnedNever, ReturnedRequest:
	default:
		bad("invalid returned %q", a.Returned)
	}
	switch a.Uniqueness {
	case "", UniqueNone, UniqueServer, UniqueGlobal:
	default:
		bad("invalid uniqueness %q", a.Uniqueness)
	}
	if a.EffectiveMutability() == WriteOnly && a.EffectiveReturned() != ReturnedNever {
		bad("a writeOnly attribute must have returned \"never\", not %q", a.EffectiveReturned())
	}
	if len(a.ReferenceTypes) > 0 && a.Type != Reference {
		bad("referenceTypes apply only to attributes of type reference, not %q", a.Type)
	}
	for _, r := range a.ReferenceTypes {
		if strings.TrimSpace(r) == "" {
			bad("empty reference type")
		}
	}
	switch {
	case a.Type == Complex && sub:
		bad("a sub-attribute cannot be complex")
	case a.Type == Complex && len(a.SubAttributes) == 0:
		bad("a complex attribute must have sub-attributes")
	case a.Type == Complex:
		errs = append(errs, validateAttributes(at, a.SubAttributes, true)...)
	case len(a.SubAttributes) > 0:
		bad("only complex attributes can have sub-attributes, not %q", a.Type)
	}
	return errs
}
