package schema

// The schema URNs of RFC 7643 §8.7.1 (core User and Group) and §4.3 (the
// Enterprise User extension).
const (
	UserSchemaURN           = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupSchemaURN          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUserSchemaURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// Descriptions shared by several attributes of RFC 7643 §8.7.1.
const (
	displayDescription = "A human-readable name, primarily used for display purposes.  READ-ONLY."
	primaryDescription = "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.  The primary attribute value 'true' MUST appear no more than once."
	typeDescription    = "A label indicating the attribute's function."
	nameExample        = " given the full name 'Ms. Barbara J Jensen, III')."
)

// str returns a singular, optional, case-insensitive, readWrite string
// attribute, the most common shape in the core schemas.
func str(name, description string) *Attribute {
	return &Attribute{Name: name, Type: String, Description: description}
}

// displaySub returns the "display" sub-attribute of a multi-valued attribute.
func displaySub() *Attribute { return str("display", displayDescription) }

// primarySub returns the "primary" sub-attribute of a multi-valued attribute.
func primarySub(description string) *Attribute {
	return &Attribute{Name: "primary", Type: Boolean, Description: description}
}

// typeSub returns the "type" sub-attribute with its canonical values.
func typeSub(description string, canonical ...string) *Attribute {
	a := str("type", description)
	a.CanonicalValues = canonical
	return a
}

// multiComplex returns a multi-valued complex attribute.
func multiComplex(name, description string, subs ...*Attribute) *Attribute {
	return &Attribute{Name: name, Type: Complex, MultiValued: true, Description: description, SubAttributes: subs}
}

// User returns the core User schema of RFC 7643 §4.1 as represented in
// §8.7.1. Each call returns a new value that the caller may modify.
func User() *Schema {
	return &Schema{
		ID:          UserSchemaURN,
		Name:        "User",
		Description: "User Account",
		Attributes: []*Attribute{
			{Name: "userName", Type: String, Required: true, Uniqueness: UniqueServer,
				Description: "Unique identifier for the User, typically used by the user to directly authenticate to the service provider.  Each User MUST include a non-empty userName value.  This identifier MUST be unique across the service provider's entire set of Users.  REQUIRED."},
			{Name: "name", Type: Complex,
				Description: "The components of the user's real name.  Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both.  If both variants are returned, they SHOULD be describing the same name, with the formatted name indicating how the component attributes should be combined.",
				SubAttributes: []*Attribute{
					str("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III')."),
					str("familyName", "The family name of the User, or last name in most Western languages (e.g., 'Jensen'"+nameExample),
					str("givenName", "The given name of the User, or first name in most Western languages (e.g., 'Barbara'"+nameExample),
					str("middleName", "The middle name(s) of the User (e.g., 'Jane'"+nameExample),
					str("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.'"+nameExample),
					str("honorificSuffix", "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III'"+nameExample),
				}},
			str("displayName", "The name of the User, suitable for display to end-users.  The name SHOULD be the full name of the User being described, if known."),
			str("nickName", "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'.  This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge')."),
			{Name: "profileUrl", Type: Reference, ReferenceTypes: []string{"external"},
				Description: "A fully qualified URL pointing to a page representing the User's online profile."},
			str("title", "The user's title, such as \"Vice President.\""),
			str("userType", "Used to identify the relationship between the organization and the user.  Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used."),
			str("preferredLanguage", "Indicates the User's preferred written or spoken language.  Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US."),
			str("locale", "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
			str("timezone", "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
			{Name: "active", Type: Boolean, Description: "A Boolean value indicating the User's administrative status."},
			{Name: "password", Type: String, Mutability: WriteOnly, Returned: ReturnedNever,
				Description: "The User's cleartext password.  This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password."},
			multiComplex("emails", "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'.  Canonical type values of 'work', 'home', and 'other'.",
				str("value", "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'.  Canonical type values of 'work', 'home', and 'other'."),
				displaySub(),
				typeSub("A label indicating the attribute's function, e.g., 'work' or 'home'.", "work", "home", "other"),
				primarySub("A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address or primary email address.  The primary attribute value 'true' MUST appear no more than once."),
			),
			multiComplex("phoneNumbers", "Phone numbers for the User.  The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'.  Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
				str("value", "Phone number of the User."),
				displaySub(),
				typeSub("A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.", "work", "home", "mobile", "fax", "pager", "other"),
				primarySub("A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred phone number or primary phone number.  The primary attribute value 'true' MUST appear no more than once."),
			),
			multiComplex("ims", "Instant messaging addresses for the User.",
				str("value", "Instant messaging address for the User."),
				displaySub(),
				typeSub("A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.", "aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
				primarySub("A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred messenger or primary messenger.  The primary attribute value 'true' MUST appear no more than once."),
			),
			multiComplex("photos", "URLs of photos of the User.",
				&Attribute{Name: "value", Type: Reference, ReferenceTypes: []string{"external"}, Description: "URL of a photo of the User."},
				displaySub(),
				typeSub("A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.", "photo", "thumbnail"),
				primarySub("A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred photo or thumbnail.  The primary attribute value 'true' MUST appear no more than once."),
			),
			multiComplex("addresses", "A physical mailing address for this User.  Canonical type values of 'work', 'home', and 'other'.  This attribute is a complex type with the following sub-attributes.",
				str("formatted", "The full mailing address, formatted for display or use with a mailing label.  This attribute MAY contain newlines."),
				str("streetAddress", "The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information.  This attribute MAY contain newlines."),
				str("locality", "The city or locality component."),
				str("region", "The state or region component."),
				str("postalCode", "The zip code or postal code component."),
				str("country", "The country name component."),
				typeSub("A label indicating the attribute's function, e.g., 'work' or 'home'.", "work", "home", "other"),
				primarySub("A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address or primary email address.  The primary attribute value 'true' MUST appear no more than once."),
			),
			{Name: "groups", Type: Complex, MultiValued: true, Mutability: ReadOnly,
				Description: "A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.",
				SubAttributes: []*Attribute{
					{Name: "value", Type: String, Mutability: ReadOnly, Description: "The identifier of the User's group."},
					{Name: "$ref", Type: Reference, ReferenceTypes: []string{"User", "Group"}, Mutability: ReadOnly,
						Description: "The URI of the corresponding 'Group' resource to which the user belongs."},
					{Name: "display", Type: String, Mutability: ReadOnly, Description: displayDescription},
					{Name: "type", Type: String, CanonicalValues: []string{"direct", "indirect"}, Mutability: ReadOnly,
						Description: "A label indicating the attribute's function, e.g., 'direct' or 'indirect'."},
				}},
			multiComplex("entitlements", "A list of entitlements for the User that represent a thing the User has.",
				str("value", "The value of an entitlement."),
				displaySub(),
				typeSub(typeDescription),
				primarySub(primaryDescription),
			),
			multiComplex("roles", "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
				str("value", "The value of a role."),
				displaySub(),
				typeSub(typeDescription),
				primarySub(primaryDescription),
			),
			multiComplex("x509Certificates", "A list of certificates issued to the User.",
				&Attribute{Name: "value", Type: Binary, Description: "The value of an X.509 certificate."},
				displaySub(),
				typeSub(typeDescription),
				primarySub(primaryDescription),
			),
		},
	}
}

// Group returns the core Group schema of RFC 7643 §4.2 as represented in
// §8.7.1. displayName is required, as §4.2 says. The members attribute has,
// besides the value, $ref and type sub-attributes of §8.7.1 (immutable), a
// readWrite display sub-attribute, because identity providers send one.
// Each call returns a new value that the caller may modify.
func Group() *Schema {
	return &Schema{
		ID:          GroupSchemaURN,
		Name:        "Group",
		Description: "Group",
		Attributes: []*Attribute{
			{Name: "displayName", Type: String, Required: true,
				Description: "A human-readable name for the Group.  REQUIRED."},
			multiComplex("members", "A list of members of the Group.",
				&Attribute{Name: "value", Type: String, Mutability: Immutable,
					Description: "Identifier of the member of this Group."},
				&Attribute{Name: "$ref", Type: Reference, ReferenceTypes: []string{"User", "Group"}, Mutability: Immutable,
					Description: "The URI corresponding to a SCIM resource that is a member of this Group."},
				&Attribute{Name: "type", Type: String, CanonicalValues: []string{"User", "Group"}, Mutability: Immutable,
					Description: "A label indicating the type of resource, e.g., 'User' or 'Group'."},
				str("display", "A human-readable name for the member, primarily used for display purposes."),
			),
		},
	}
}

// EnterpriseUser returns the Enterprise User extension schema of RFC 7643
// §4.3 as represented in §8.7.1. Each call returns a new value that the
// caller may modify.
func EnterpriseUser() *Schema {
	return &Schema{
		ID:          EnterpriseUserSchemaURN,
		Name:        "EnterpriseUser",
		Description: "Enterprise User",
		Attributes: []*Attribute{
			str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
			str("costCenter", "Identifies the name of a cost center."),
			str("organization", "Identifies the name of an organization."),
			str("division", "Identifies the name of a division."),
			str("department", "Identifies the name of a department."),
			{Name: "manager", Type: Complex,
				Description: "The User's manager.  A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
				SubAttributes: []*Attribute{
					str("value", "The id of the SCIM resource representing the User's manager.  REQUIRED."),
					{Name: "$ref", Type: Reference, ReferenceTypes: []string{"User"},
						Description: "The URI of the SCIM resource representing the User's manager.  REQUIRED."},
					{Name: "displayName", Type: String, Mutability: ReadOnly,
						Description: "The displayName of the User's manager.  OPTIONAL and READ-ONLY."},
				}},
		},
	}
}

// UserResourceType returns the User resource type of RFC 7643 §4.1 and
// §8.6: endpoint /Users, core schema User and the optional Enterprise User
// extension. Each call returns a new value with new schemas.
func UserResourceType() *ResourceType {
	return &ResourceType{
		ID:          "User",
		Name:        "User",
		Description: "User Account",
		Endpoint:    "/Users",
		Schema:      User(),
		Extensions:  []SchemaExtension{{Schema: EnterpriseUser(), Required: false}},
	}
}

// GroupResourceType returns the Group resource type of RFC 7643 §4.2 and
// §8.6: endpoint /Groups and core schema Group. Each call returns a new
// value with a new schema.
func GroupResourceType() *ResourceType {
	return &ResourceType{
		ID:          "Group",
		Name:        "Group",
		Description: "Group",
		Endpoint:    "/Groups",
		Schema:      Group(),
	}
}
