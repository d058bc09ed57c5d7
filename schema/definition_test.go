package schema_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/schema"
)

const deviceURN = "urn:example:params:scim:schemas:2.0:Device"

// device returns a valid custom schema to break in tests.
func device() *schema.Schema {
	return &schema.Schema{
		ID:   deviceURN,
		Name: "Device",
		Attributes: []*schema.Attribute{
			{Name: "serialNumber", Type: schema.String, Required: true, CaseExact: true, Uniqueness: schema.UniqueGlobal},
			{Name: "model_name-2", Type: schema.String},
			{Name: "ports", Type: schema.Integer},
			{Name: "weight", Type: schema.Decimal},
			{Name: "owner", Type: schema.Complex, SubAttributes: []*schema.Attribute{
				{Name: "value", Type: schema.String},
				{Name: "$ref", Type: schema.Reference, ReferenceTypes: []string{"User"}},
			}},
			{Name: "secret", Type: schema.String, Mutability: schema.WriteOnly, Returned: schema.ReturnedNever},
		},
	}
}

func TestSchemaValidate(t *testing.T) {
	tests := []struct {
		name    string
		modify  func(s *schema.Schema)
		wantErr string // substring; "" means valid
	}{
		{name: "valid", modify: func(*schema.Schema) {}},
		{name: "no name is valid", modify: func(s *schema.Schema) { s.Name = "" }},
		{name: "empty ID", modify: func(s *schema.Schema) { s.ID = "" }, wantErr: "schema ID is empty"},
		{name: "ID not a URN", modify: func(s *schema.Schema) { s.ID = "Device" }, wantErr: "is not a URN"},
		{name: "URN without NSS", modify: func(s *schema.Schema) { s.ID = "urn:example" }, wantErr: "is not a URN"},
		{name: "URN with space", modify: func(s *schema.Schema) { s.ID = "urn:example:my device" }, wantErr: "is not a URN"},
		{name: "URN ending in colon", modify: func(s *schema.Schema) { s.ID = "urn:example:device:" }, wantErr: "is not a URN"},
		{name: "attribute name with digit first", modify: func(s *schema.Schema) { s.Attributes[1].Name = "2model" }, wantErr: "invalid attribute name"},
		{name: "attribute name with dot", modify: func(s *schema.Schema) { s.Attributes[1].Name = "model.name" }, wantErr: "invalid attribute name"},
		{name: "attribute name with space", modify: func(s *schema.Schema) { s.Attributes[1].Name = "model name" }, wantErr: "invalid attribute name"},
		{name: "empty attribute name", modify: func(s *schema.Schema) { s.Attributes[1].Name = "" }, wantErr: "invalid attribute name"},
		{name: "$ref at top level", modify: func(s *schema.Schema) { s.Attributes[1].Name = "$ref" }, wantErr: "invalid attribute name"},
		{name: "invalid sub-attribute name", modify: func(s *schema.Schema) { s.Attributes[4].SubAttributes[0].Name = "va lue" }, wantErr: "owner.va lue"},
		{name: "duplicate name differing in case", modify: func(s *schema.Schema) { s.Attributes[1].Name = "SerialNumber" }, wantErr: "defined more than once"},
		{name: "duplicate sub-attribute name", modify: func(s *schema.Schema) { s.Attributes[4].SubAttributes[1].Name = "VALUE" }, wantErr: "defined more than once"},
		{name: "nil attribute", modify: func(s *schema.Schema) { s.Attributes[2] = nil }, wantErr: "is nil"},
		{name: "unknown type", modify: func(s *schema.Schema) { s.Attributes[2].Type = "int" }, wantErr: `invalid type "int"`},
		{name: "empty type", modify: func(s *schema.Schema) { s.Attributes[2].Type = "" }, wantErr: "invalid type"},
		{name: "unknown mutability", modify: func(s *schema.Schema) { s.Attributes[2].Mutability = "readwrite" }, wantErr: "invalid mutability"},
		{name: "unknown returned", modify: func(s *schema.Schema) { s.Attributes[2].Returned = "sometimes" }, wantErr: "invalid returned"},
		{name: "unknown uniqueness", modify: func(s *schema.Schema) { s.Attributes[2].Uniqueness = "tenant" }, wantErr: "invalid uniqueness"},
		{name: "complex without sub-attributes", modify: func(s *schema.Schema) { s.Attributes[4].SubAttributes = nil }, wantErr: "must have sub-attributes"},
		{name: "nested complex", modify: func(s *schema.Schema) {
			s.Attributes[4].SubAttributes[0] = &schema.Attribute{Name: "value", Type: schema.Complex,
				SubAttributes: []*schema.Attribute{{Name: "x", Type: schema.String}}}
		}, wantErr: "sub-attribute cannot be complex"},
		{name: "sub-attributes on a string", modify: func(s *schema.Schema) {
			s.Attributes[1].SubAttributes = []*schema.Attribute{{Name: "x", Type: schema.String}}
		}, wantErr: "only complex attributes"},
		{name: "referenceTypes on a string", modify: func(s *schema.Schema) { s.Attributes[1].ReferenceTypes = []string{"User"} }, wantErr: "referenceTypes"},
		{name: "writeOnly returned by default", modify: func(s *schema.Schema) { s.Attributes[5].Returned = "" }, wantErr: "writeOnly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := device()
			tt.modify(s)
			err := s.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestSchemaValidateReportsEveryProblem(t *testing.T) {
	s := device()
	s.ID = "device"
	s.Attributes[1].Name = "1x"
	s.Attributes[2].Type = "int"
	err := s.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a URN")
	assert.Contains(t, err.Error(), "invalid attribute name")
	assert.Contains(t, err.Error(), "invalid type")
}

func TestCoreSchemasValidate(t *testing.T) {
	for _, s := range []*schema.Schema{schema.User(), schema.Group(), schema.EnterpriseUser()} {
		assert.NoError(t, s.Validate(), s.ID)
	}
	var nilSchema *schema.Schema
	assert.Error(t, nilSchema.Validate())
}

func deviceType() *schema.ResourceType {
	return &schema.ResourceType{
		Name:     "Device",
		Endpoint: "/Devices",
		Schema:   device(),
		Extensions: []schema.SchemaExtension{{Schema: &schema.Schema{
			ID:         "urn:example:params:scim:schemas:extension:2.0:Device",
			Attributes: []*schema.Attribute{{Name: "site", Type: schema.String}},
		}}},
	}
}

func TestResourceTypeValidate(t *testing.T) {
	tests := []struct {
		name    string
		modify  func(rt *schema.ResourceType)
		wantErr string
	}{
		{name: "valid", modify: func(*schema.ResourceType) {}},
		{name: "explicit ID", modify: func(rt *schema.ResourceType) { rt.ID = "device" }},
		{name: "empty name", modify: func(rt *schema.ResourceType) { rt.Name = "" }, wantErr: "name is empty"},
		{name: "blank ID", modify: func(rt *schema.ResourceType) { rt.ID = "  " }, wantErr: "ID is blank"},
		{name: "ID with slash", modify: func(rt *schema.ResourceType) { rt.ID = "a/b" }, wantErr: "must not contain"},
		{name: "empty endpoint", modify: func(rt *schema.ResourceType) { rt.Endpoint = "" }, wantErr: "endpoint"},
		{name: "endpoint without slash", modify: func(rt *schema.ResourceType) { rt.Endpoint = "Devices" }, wantErr: "endpoint"},
		{name: "endpoint with query", modify: func(rt *schema.ResourceType) { rt.Endpoint = "/Devices?x" }, wantErr: "endpoint"},
		{name: "no core schema", modify: func(rt *schema.ResourceType) { rt.Schema = nil }, wantErr: "no core schema"},
		{name: "invalid core schema", modify: func(rt *schema.ResourceType) { rt.Schema.ID = "" }, wantErr: "schema ID is empty"},
		{name: "core redefines id", modify: func(rt *schema.ResourceType) {
			rt.Schema.Attributes = append(rt.Schema.Attributes, &schema.Attribute{Name: "ID", Type: schema.String})
		}, wantErr: "common attribute"},
		{name: "core redefines schemas", modify: func(rt *schema.ResourceType) {
			rt.Schema.Attributes = append(rt.Schema.Attributes, &schema.Attribute{Name: "schemas", Type: schema.Reference})
		}, wantErr: "common attribute"},
		{name: "extension without schema", modify: func(rt *schema.ResourceType) { rt.Extensions[0].Schema = nil }, wantErr: "has no schema"},
		{name: "invalid extension schema", modify: func(rt *schema.ResourceType) { rt.Extensions[0].Schema.ID = "ext" }, wantErr: "is not a URN"},
		{name: "extension URN equals core", modify: func(rt *schema.ResourceType) {
			rt.Extensions[0].Schema.ID = "URN:example:params:scim:schemas:2.0:device"
		}, wantErr: "more than once"},
		{name: "extension URN extends core", modify: func(rt *schema.ResourceType) { rt.Extensions[0].Schema.ID = deviceURN + ":Ext" }, wantErr: "ambiguous"},
		{name: "duplicate extension", modify: func(rt *schema.ResourceType) { rt.Extensions = append(rt.Extensions, rt.Extensions[0]) }, wantErr: "more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := deviceType()
			tt.modify(rt)
			err := rt.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
	var nilType *schema.ResourceType
	assert.Error(t, nilType.Validate())
}
