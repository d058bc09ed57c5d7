package schema

// The schema URNs of the discovery resources of RFC 7643 §6 and §7.
const (
	SchemaSchemaURN       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	ResourceTypeSchemaURN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
)

// Document returns the schema's representation of RFC 7643 §7, as served at
// /Schemas/{id}: schemas, id, name, description, attributes with every
// characteristic and meta with the given location (left out when empty).
func (s *Schema) Document(location string) map[string]any {
	attrs := make([]any, 0, len(s.Attributes))
	for _, a := range s.Attributes {
		attrs = append(attrs, a.document())
	}
	return map[string]any{
		"schemas":     []any{SchemaSchemaURN},
		"id":          s.ID,
		"name":        s.Name,
		"description": s.Description,
		"attributes":  attrs,
		"meta":        meta("Schema", location),
	}
}

// document returns the attribute's representation of RFC 7643 §7. caseExact
// is left out for complex attributes, to which it does not apply.
func (a *Attribute) document() map[string]any {
	d := map[string]any{
		"name":        a.Name,
		"type":        string(a.Type),
		"multiValued": a.MultiValued,
		"description": a.Description,
		"required":    a.Required,
		"mutability":  string(a.EffectiveMutability()),
		"returned":    string(a.EffectiveReturned()),
		"uniqueness":  string(a.EffectiveUniqueness()),
	}
	if a.Type != Complex {
		d["caseExact"] = a.CaseExact
	}
	if len(a.CanonicalValues) > 0 {
		d["canonicalValues"] = anyStrings(a.CanonicalValues)
	}
	if len(a.ReferenceTypes) > 0 {
		d["referenceTypes"] = anyStrings(a.ReferenceTypes)
	}
	if a.Type == Complex {
		subs := make([]any, 0, len(a.SubAttributes))
		for _, s := range a.SubAttributes {
			subs = append(subs, s.document())
		}
		d["subAttributes"] = subs
	}
	return d
}

// anyStrings copies a string slice into the []any of the JSON object model.
func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func meta(resourceType, location string) map[string]any {
	m := map[string]any{"resourceType": resourceType}
	if location != "" {
		m["location"] = location
	}
	return m
}

// Document returns the resource type's representation of RFC 7643 §6, as
// served at /ResourceTypes/{id}: schemas, id, name, description, endpoint,
// schema, schemaExtensions (when there are any) and meta with the given
// location (left out when empty).
func (rt *ResourceType) Document(location string) map[string]any {
	id := rt.ID
	if id == "" {
		id = rt.Name
	}
	d := map[string]any{
		"schemas":     []any{ResourceTypeSchemaURN},
		"id":          id,
		"name":        rt.Name,
		"description": rt.Description,
		"endpoint":    rt.Endpoint,
		"schema":      rt.Schema.ID,
		"meta":        meta("ResourceType", location),
	}
	if len(rt.Extensions) > 0 {
		exts := make([]any, 0, len(rt.Extensions))
		for _, e := range rt.Extensions {
			exts = append(exts, map[string]any{"schema": e.Schema.ID, "required": e.Required})
		}
		d["schemaExtensions"] = exts
	}
	return d
}
