package scim

import "github.com/scimkit/scim/schema"

// UserView is a lossy, typed view of a User resource: the attributes an
// application's own users table typically holds (UserViewPaths lists
// them), so that a change hook or a store over that table need not handle
// the canonical map of a Resource. Convert with UserFromResource and
// UserView.Resource. Every other attribute is dropped: nickName, phone
// numbers, addresses, roles, emails other than the primary one, the type
// of the email, and the password hash (read r.Attributes["password"]).
// A store built on the view advertises only what it keeps by serving
// schema.Trim(schema.UserResourceType(), scim.UserViewPaths()...).
type UserView struct {
	// ID is the resource id; empty before Create assigns one.
	ID string
	// ExternalID is the identity provider's own id for the user.
	ExternalID string
	// UserName is the unique login name.
	UserName string
	// GivenName and FamilyName are name.givenName and name.familyName.
	GivenName, FamilyName string
	// DisplayName is the name shown to other users.
	DisplayName string
	// Email is the value of the primary email, or of the first one when
	// none is marked primary.
	Email string
	// Active is the administrative status, nil when the resource has no
	// "active" attribute; IsActive reads nil as active, as a provisioned
	// user is active unless told otherwise.
	Active *bool
	// Title is the user's job title.
	Title string
	// PreferredLanguage is a language tag such as "en-US".
	PreferredLanguage string
	// EmployeeNumber, Department and Manager (the manager's resource id)
	// are attributes of the Enterprise User extension.
	EmployeeNumber, Department, Manager string
	// Groups lists the groups the user is a member of. It is computed by
	// the store (from its membership table, say) and read-only for clients;
	// UserFromResource leaves it empty.
	Groups []GroupRef
	// Meta is the resource's metadata.
	Meta Meta
}

// GroupRef names a group a user is a member of.
type GroupRef struct {
	// ID is the group's resource id.
	ID string
	// Display is the group's displayName.
	Display string
}

// GroupView is a lossy, typed view of a Group resource: its name, external
// id and the ids of its members (the members' type and display are
// dropped). Convert with GroupFromResource and GroupView.Resource.
type GroupView struct {
	// ID is the resource id; empty before Create assigns one.
	ID string
	// ExternalID is the identity provider's own id for the group.
	ExternalID string
	// DisplayName is the group's name.
	DisplayName string
	// Members holds the resource ids of the members, in order.
	Members []string
	// Meta is the resource's metadata.
	Meta Meta
}

// UserViewPaths returns the attribute paths a UserView keeps, for
// schema.Trim.
func UserViewPaths() []string {
	return []string{"externalId", "userName", "name.givenName", "name.familyName", "displayName",
		"emails", "active", "title", "preferredLanguage",
		schema.EnterpriseUserSchemaURN + ":employeeNumber", schema.EnterpriseUserSchemaURN + ":department",
		schema.EnterpriseUserSchemaURN + ":manager", "groups"}
}

// IsActive reports the administrative status: Active, or true when the
// resource has no "active" attribute.
func (u *UserView) IsActive() bool { return u.Active == nil || *u.Active }

// UserFromResource returns the typed view of a canonical User resource, as
// a store receives it in Create and Replace or a change hook in a Change.
func UserFromResource(r *Resource) *UserView {
	a := r.Attributes
	u := &UserView{
		ID:                r.ID,
		ExternalID:        attrString(a, "externalId"),
		UserName:          attrString(a, "userName"),
		DisplayName:       attrString(a, "displayName"),
		Title:             attrString(a, "title"),
		PreferredLanguage: attrString(a, "preferredLanguage"),
		Meta:              r.Meta,
	}
	if active, ok := a["active"].(bool); ok {
		u.Active = &active
	}
	if name, ok := a["name"].(map[string]any); ok {
		u.GivenName, u.FamilyName = attrString(name, "givenName"), attrString(name, "familyName")
	}
	emails, _ := a["emails"].([]any)
	for i, e := range emails {
		m, _ := e.(map[string]any)
		if primary, _ := m["primary"].(bool); primary || i == 0 {
			u.Email = attrString(m, "value")
			if primary {
				break
			}
		}
	}
	if ext, ok := a[schema.EnterpriseUserSchemaURN].(map[string]any); ok {
		u.EmployeeNumber, u.Department = attrString(ext, "employeeNumber"), attrString(ext, "department")
		if m, ok := ext["manager"].(map[string]any); ok {
			u.Manager = attrString(m, "value")
		}
	}
	return u
}

// Resource returns u as a canonical User resource, as a store returns it.
// Empty fields and a nil Active are left out.
func (u *UserView) Resource() *Resource {
	a := map[string]any{}
	if u.Active != nil {
		a["active"] = *u.Active
	}
	putString(a, "externalId", u.ExternalID)
	putString(a, "userName", u.UserName)
	putString(a, "displayName", u.DisplayName)
	putString(a, "title", u.Title)
	putString(a, "preferredLanguage", u.PreferredLanguage)
	name := map[string]any{}
	putString(name, "givenName", u.GivenName)
	putString(name, "familyName", u.FamilyName)
	if len(name) > 0 {
		a["name"] = name
	}
	if u.Email != "" {
		a["emails"] = []any{map[string]any{"value": u.Email, "type": "work", "primary": true}}
	}
	ext := map[string]any{}
	putString(ext, "employeeNumber", u.EmployeeNumber)
	putString(ext, "department", u.Department)
	if u.Manager != "" {
		ext["manager"] = map[string]any{"value": u.Manager}
	}
	if len(ext) > 0 {
		a[schema.EnterpriseUserSchemaURN] = ext
	}
	if len(u.Groups) > 0 {
		groups := make([]any, len(u.Groups))
		for i, g := range u.Groups {
			ref := map[string]any{"value": g.ID, "type": "direct"}
			putString(ref, "display", g.Display)
			groups[i] = ref
		}
		a["groups"] = groups
	}
	return &Resource{ID: u.ID, Attributes: a, Meta: u.Meta}
}

// GroupFromResource returns the typed view of a canonical Group resource.
// Members without an id are skipped.
func GroupFromResource(r *Resource) *GroupView {
	g := &GroupView{
		ID:          r.ID,
		ExternalID:  attrString(r.Attributes, "externalId"),
		DisplayName: attrString(r.Attributes, "displayName"),
		Meta:        r.Meta,
	}
	members, _ := r.Attributes["members"].([]any)
	for _, m := range members {
		obj, _ := m.(map[string]any)
		if id := attrString(obj, "value"); id != "" {
			g.Members = append(g.Members, id)
		}
	}
	return g
}

// Resource returns g as a canonical Group resource. A nil Members leaves
// "members" out, as a store does when the client did not ask for them.
func (g *GroupView) Resource() *Resource {
	a := map[string]any{}
	putString(a, "externalId", g.ExternalID)
	putString(a, "displayName", g.DisplayName)
	if len(g.Members) > 0 {
		members := make([]any, len(g.Members))
		for i, id := range g.Members {
			members[i] = map[string]any{"value": id}
		}
		a["members"] = members
	}
	return &Resource{ID: g.ID, Attributes: a, Meta: g.Meta}
}

// attrString returns the string at key, or "".
func attrString(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// putString sets key to s unless s is empty.
func putString(m map[string]any, key, s string) {
	if s != "" {
		m[key] = s
	}
}
