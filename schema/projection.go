package schema

// Projection is what a client asked to see of a resource: the attributes and
// excludedAttributes query parameters of RFC 7644 §3.4.2.5, as attribute
// paths ("userName", "name.givenName", "members",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager").
// The zero Projection asks for the default set.
type Projection struct {
	Attributes         []string
	ExcludedAttributes []string
}
