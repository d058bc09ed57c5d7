package schema

import (
	"fmt"
	"strings"
)

// Trim returns a copy of rt that defines only the attributes named by
// paths, for a store that keeps only those: served through it, /Schemas and
// /ResourceTypes advertise exactly what is kept, writes are validated
// against it (so other attributes are ignored, or refused under strict
// validation) and filters on the rest match nothing.
//
// A path is an attribute ("userName", "groups"), a sub-attribute
// ("name.givenName", "emails.value") or either prefixed by an extension's
// URN ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber").
// A complex attribute named alone keeps all its sub-attributes; named
// through its sub-attributes it keeps those only. The common attributes
// (id, externalId, meta) belong to every resource and may be named; they
// are not part of any schema. An extension none of whose attributes is kept
// is left out. The attributes keep the characteristics rt gives them
// (mutability, uniqueness, caseExact, ...); the copy shares nothing with rt.
// A path rt does not define is an error.
func Trim(rt *ResourceType, paths ...string) (*ResourceType, error) {
	if rt == nil || rt.Schema == nil {
		return nil, fmt.Errorf("schema: Trim needs a resource type with a core schema")
	}
	// keep maps a schema URN to the attributes to keep, by lower-case
	// name, each with the lower-case sub-attribute names to keep (nil for
	// all of them).
	keep := map[string]map[string]map[string]bool{}
	for _, p := range paths {
		t, ok := rt.LookupPath(p)
		if !ok {
			return nil, fmt.Errorf("schema: Trim: resource type %q has no attribute %q", rt.Name, p)
		}
		if t.Extension == "" && findAttribute(CommonAttributes(), t.Attr.Name) == t.Attr {
			continue
		}
		urn := rt.Schema.ID
		if t.Extension != "" {
			urn = t.Extension
		}
		if keep[urn] == nil {
			keep[urn] = map[string]map[string]bool{}
		}
		name := strings.ToLower(t.Attr.Name)
		subs, seen := keep[urn][name]
		switch {
		case t.Sub == nil:
			keep[urn][name] = nil
		case !seen || subs != nil:
			if subs == nil {
				subs = map[string]bool{}
			}
			subs[strings.ToLower(t.Sub.Name)] = true
			keep[urn][name] = subs
		}
	}
	out := &ResourceType{ID: rt.ID, Name: rt.Name, Description: rt.Description, Endpoint: rt.Endpoint,
		Schema: trimSchema(rt.Schema, keep[rt.Schema.ID])}
	for _, e := range rt.Extensions {
		if k := keep[e.Schema.ID]; len(k) > 0 {
			out.Extensions = append(out.Extensions, SchemaExtension{Schema: trimSchema(e.Schema, k), Required: e.Required})
		}
	}
	return out, nil
}

// trimSchema copies s with the attributes of keep, in the schema's order.
func trimSchema(s *Schema, keep map[string]map[string]bool) *Schema {
	out := &Schema{ID: s.ID, Name: s.Name, Description: s.Description, Attributes: []*Attribute{}}
	for _, a := range s.Attributes {
		subs, ok := keep[strings.ToLower(a.Name)]
		if !ok {
			continue
		}
		c := copyAttribute(a)
		if subs != nil {
			c.SubAttributes = nil
			for _, sub := range a.SubAttributes {
				if subs[strings.ToLower(sub.Name)] {
					c.SubAttributes = append(c.SubAttributes, copyAttribute(sub))
				}
			}
		}
		out.Attributes = append(out.Attributes, c)
	}
	return out
}

// copyAttribute returns a deep copy of a.
func copyAttribute(a *Attribute) *Attribute {
	c := *a
	c.CanonicalValues = append([]string(nil), a.CanonicalValues...)
	c.ReferenceTypes = append([]string(nil), a.ReferenceTypes...)
	c.SubAttributes = nil
	for _, s := range a.SubAttributes {
		c.SubAttributes = append(c.SubAttributes, copyAttribute(s))
	}
	return &c
}
