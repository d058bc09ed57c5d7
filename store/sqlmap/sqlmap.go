// Package sqlmap serves SCIM Users and Groups from a host application's
// own tables: the host declares which table holds a resource type, which
// column holds which attribute path, how ids and versions are kept and
// what DELETE does, and the package generates a scim.ResourceStore for it,
// on SQLite or PostgreSQL.
//
//	stores, err := sqlmap.New(db, sqlmap.Mapping{
//		Dialect: sqlstore.SQLite,
//		Users: &sqlmap.Table{Name: "users", ID: "scim_id", Version: "version",
//			Columns: []sqlmap.Column{{Path: "userName", Name: "username"}, {Path: "active", Name: "active"}}},
//	})
//	srv, err := scim.New(scim.WithResourceType(stores.Users().ResourceType(), stores.Users()), ...)
//
// The contract, beside that of scim.ResourceStore:
//
//   - What is advertised is what is kept: ResourceType is the core type
//     trimmed (schema.Trim) to the mapped paths, so /Schemas shows only
//     them and the server ignores other attributes a client sends (or
//     refuses them under scim.WithRejectUnknownAttributes).
//   - Ids are random 128-bit values in UUID form, kept in the ID column
//     (text, unique, written only by the store): stable, never reused after
//     a delete and never shared between Users and Groups (RFC 7643 §3.1).
//     The host's own primary key (Key) stays the host's and is what the
//     membership table refers to.
//   - The Version column is an integer the store sets to 1 on create and
//     increments on every write, membership changes included; the ETag is
//     W/"n".
//   - Uniqueness is the database's: a unique index on a column (userName's,
//     for example, on lower(username) for its caseExact=false rule) whose
//     violation, recognised by sqlstore.AsUniqueViolation, is
//     scim.ErrConflict.
//   - An absent attribute is written as NULL, and NULL or an empty string
//     reads as absent; mapped columns must therefore be nullable.
//   - A multi-valued attribute mapped through one sub-attribute
//     ("emails.value") keeps one value: the primary one a client sends, else
//     the one of the Column's Type, else the first. It reads back as that
//     one value, primary, with the Column's Type.
//   - Filters and sortBy are pushed to SQL with sqlstore.WhereFolded and
//     sqlstore.OrderByFolded, with filter.Match's semantics. Case-insensitive
//     strings fold as the memory store folds them (Unicode, not only
//     ASCII) when their Column names a Fold column, which the store fills;
//     without one they fold ASCII letters only, as SQL's lower() does. An attribute the type
//     does not have matches nothing in a filter (as in every store of the
//     library; serve with filter.Options{Strict: true} to answer 400
//     invalidFilter instead) and is 400 invalidPath in sortBy, both decided
//     by the server against ResourceType. Group members cannot be filtered
//     on: such a filter is 400 invalidFilter.
//   - DELETE removes the row (and its membership rows), or, when Hide names
//     a column, sets it to the time of the delete, sets a mapped "active"
//     column to false and hides the row from SCIM: it is not found, listed
//     or shown as a member, and its membership rows stay for the host.
//   - Group members are Users that exist; a member that does not is 400
//     invalidValue. Adding or removing a member writes one membership row
//     (and the group's version); users' groups are computed from the
//     membership table. A member is returned with type "User" and, when
//     the Users table maps displayName, the user's displayName as its
//     display. PATCH is applied by the server (Get, patch.Apply, Replace),
//     which writes only the membership rows that changed.
//   - meta.created, meta.lastModified (when the table keeps them) and
//     meta.resourceType can be filtered and sorted on, as in every store.
//   - ListAfter pages by cursor in the order of the host key, which must
//     grow with every insert (an auto-increment or identity column).
//   - Queryable lists what can be filtered and sorted on, for
//     storetest.Capabilities.
//
// Table and column names are SQL written by the host, never client input;
// they are used as given and must not contain "?".
package sqlmap

import (
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// Column says which column holds which attribute path.
type Column struct {
	// Path is the attribute path as a client writes it: "userName",
	// "name.givenName", "emails.value" (one value of a multi-valued
	// attribute), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
	// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
	Path string
	// Name is the column.
	Name string
	// Type, for a multi-valued attribute kept in one column, is the type
	// its value is returned with, such as "work"; "" returns none.
	Type string
	// Fold, for a case-insensitive string (caseExact false, as userName,
	// names and emails are), names a nullable text column in which the
	// store keeps filter.FoldString of the value. Filters and sortBy then
	// fold case as the memory store does, Unicode included ("ÄRGER" is
	// "ärger", "Σ" is "ς"), and a unique index on it makes the attribute
	// unique under case folding. Without it SQL folds ASCII letters only.
	Fold string
}

// Table declares the table that holds the resources of one type.
type Table struct {
	// Name is the table.
	Name string
	// ID is a text column with a unique index that holds the SCIM id; the
	// store assigns it.
	ID string
	// Key is the host's primary key, which the membership table refers
	// to; empty means ID.
	Key string
	// Version is an integer column the store increments on every write.
	Version string
	// Created and Modified are optional timestamp columns for
	// meta.created and meta.lastModified.
	Created, Modified string
	// Columns are the mapped attributes.
	Columns []Column
	// Hide, when set, is a nullable timestamp column that DELETE sets
	// instead of deleting the row; rows where it is set are invisible to
	// SCIM.
	Hide string
	// Directory, when set, is a text column naming the directory (tenant)
	// of each row: the stores New returns keep the rows of the default
	// directory, whose value is the empty string, and Stores.InDirectory
	// returns those of another. Every read and write is scoped by it, so
	// lead the table's unique indexes with it (userName is unique per
	// directory). Set it on both tables or on neither.
	Directory string
}

// Members declares the membership table of Groups: one row per member,
// holding the Key of the group and the Key of the user.
type Members struct {
	Table, Group, Member string
}

// Mapping declares the tables a set of stores serves.
type Mapping struct {
	// Dialect is sqlstore.SQLite or sqlstore.Postgres.
	Dialect sqlstore.Dialect
	// Users maps the User resource type; it is required.
	Users *Table
	// Groups, with Members, maps the Group resource type; both or neither.
	// Groups needs a column for displayName.
	Groups  *Table
	Members *Members
}

// Stores are the stores a Mapping generates.
type Stores struct {
	users, groups *Store
}

// Users returns the store of Users.
func (s *Stores) Users() *Store { return s.users }

// Groups returns the store of Groups, or nil when the mapping has none.
func (s *Stores) Groups() *Store { return s.groups }

// New checks the mapping against the User and Group schemas and returns
// the stores. It does not create or change tables: they are the host's.
func New(db *sql.DB, m Mapping) (*Stores, error) {
	if db == nil || (m.Dialect != sqlstore.SQLite && m.Dialect != sqlstore.Postgres) || m.Users == nil {
		return nil, errors.New("sqlmap: New needs a database, a dialect and a Users table")
	}
	if (m.Groups == nil) != (m.Members == nil) {
		return nil, errors.New("sqlmap: Groups and Members go together")
	}
	out := &Stores{}
	var err error
	extra := []string{}
	if m.Groups != nil {
		extra = []string{"groups.value", "groups.display", "groups.type"}
	}
	if out.users, err = newStore(db, m.Dialect, m.Users, schema.UserResourceType(), extra); err != nil {
		return nil, err
	}
	if m.Groups == nil {
		return out, nil
	}
	if m.Members.Table == "" || m.Members.Group == "" || m.Members.Member == "" {
		return nil, errors.New("sqlmap: Members needs a table and its group and member columns")
	}
	if out.groups, err = newStore(db, m.Dialect, m.Groups, schema.GroupResourceType(), []string{"members.value", "members.type"}); err != nil {
		return nil, err
	}
	if (m.Users.Directory == "") != (m.Groups.Directory == "") {
		return nil, errors.New("sqlmap: set Directory on both tables or on neither")
	}
	if out.groups.column("displayName") == nil {
		return nil, errors.New("sqlmap: the Groups table needs a column for displayName")
	}
	out.users.peer, out.groups.peer = out.groups, out.users
	out.users.members, out.groups.members = m.Members, m.Members
	return out, nil
}

// column is a mapped attribute, resolved against the full schema.
type column struct {
	Column
	ext  string // extension URN, "" for core attributes
	attr *schema.Attribute
	sub  *schema.Attribute
}

// Store serves one resource type from its table. It implements
// scim.ResourceStore.
type Store struct {
	db      *sql.DB
	d       sqlstore.Dialect
	t       Table
	key     string
	rt      *schema.ResourceType
	cols    []*column
	where   map[string]string // paths for sqlstore.Where and OrderBy
	folds   map[string]string // their fold columns, for WhereFolded
	fields  string            // the columns a read selects, after key, id, version
	peer    *Store            // Groups for Users and Users for Groups
	members *Members
	isGroup bool
	dir     string // the directory whose rows the store keeps, when t.Directory is set
}

var _ scim.ResourceStore = (*Store)(nil)

func newStore(db *sql.DB, d sqlstore.Dialect, t *Table, full *schema.ResourceType, extra []string) (*Store, error) {
	if t.Name == "" || t.ID == "" || t.Version == "" {
		return nil, fmt.Errorf("sqlmap: the %s table needs a name, an ID column and a Version column", full.Name)
	}
	s := &Store{db: db, d: d, t: *t, key: t.Key, where: map[string]string{"id": "t." + t.ID}, folds: map[string]string{},
		isGroup: full.Name == schema.GroupResourceType().Name}
	if s.key == "" {
		s.key = t.ID
	}
	paths := append([]string{}, extra...)
	names := []string{}
	for _, c := range t.Columns {
		target, ok := full.LookupPath(c.Path)
		if !ok || c.Name == "" {
			return nil, fmt.Errorf("sqlmap: %s column %q: %q is not an attribute of %s", t.Name, c.Name, c.Path, full.Name)
		}
		if target.Attr.Type == schema.Complex && target.Sub == nil {
			return nil, fmt.Errorf("sqlmap: %s column %q: map a sub-attribute of %q, such as %q", t.Name, c.Name, c.Path, c.Path+".value")
		}
		if target.Attr.MultiValued && target.Attr.Type != schema.Complex {
			return nil, fmt.Errorf("sqlmap: %s column %q: the multi-valued %q cannot be kept in one column", t.Name, c.Name, c.Path)
		}
		if target.Attr.EffectiveMutability() == schema.ReadOnly || target.Attr.Name == "id" {
			return nil, fmt.Errorf("sqlmap: %s column %q: %q is read-only", t.Name, c.Name, c.Path)
		}
		col := &column{Column: c, ext: target.Extension, attr: target.Attr, sub: target.Sub}
		s.cols = append(s.cols, col)
		paths = append(paths, c.Path)
		s.where[c.Path] = "t." + c.Name
		if c.Fold != "" {
			compared := target.Attr
			if target.Sub != nil {
				compared = target.Sub
			}
			if compared.Type != schema.String || compared.CaseExact {
				return nil, fmt.Errorf("sqlmap: %s column %q: a fold column is for case-insensitive strings; %q is not one", t.Name, c.Name, c.Path)
			}
			s.folds[c.Path] = "t." + c.Fold
			if target.Attr.MultiValued && strings.EqualFold(target.Sub.Name, "value") {
				s.folds[strings.TrimSuffix(c.Path, "."+target.Sub.Name)] = "t." + c.Fold
			}
		}
		if target.Attr.MultiValued {
			paths = append(paths, target.Attr.Name+".primary")
			if c.Type != "" {
				paths = append(paths, target.Attr.Name+".type")
			}
			if strings.EqualFold(target.Sub.Name, "value") {
				s.where[strings.TrimSuffix(c.Path, "."+target.Sub.Name)] = "t." + c.Name
			}
		}
		names = append(names, "t."+c.Name)
	}
	if t.Created != "" {
		s.where["meta.created"] = "t." + t.Created
	}
	if t.Modified != "" {
		s.where["meta.lastModified"] = "t." + t.Modified
	}
	// The resource type's name is the library's, never client input.
	s.where["meta.resourceType"] = "CAST('" + full.Name + "' AS TEXT)"
	var err error
	if s.rt, err = schema.Trim(full, paths...); err != nil {
		return nil, fmt.Errorf("sqlmap: %w", err)
	}
	s.fields = "t." + s.key + ", t." + t.ID + ", t." + t.Version
	for _, c := range []string{t.Created, t.Modified} {
		if c != "" {
			s.fields += ", t." + c
		} else {
			s.fields += ", NULL"
		}
	}
	if len(names) > 0 {
		s.fields += ", " + strings.Join(names, ", ")
	}
	return s, nil
}

// ResourceType returns the resource type the store serves: the core type
// trimmed to the mapped attributes. Serve it with scim.WithResourceType.
func (s *Store) ResourceType() *schema.ResourceType { return s.rt }

// Queryable returns the attribute paths the store answers in filters and
// sortBy: id, the mapped paths (and a multi-valued attribute by itself,
// for its value), and meta.created, meta.lastModified and
// meta.resourceType when the table keeps them.
func (s *Store) Queryable() []string {
	out := make([]string, 0, len(s.where))
	for p := range s.where {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// column returns the mapped column of path, or nil.
func (s *Store) column(path string) *column {
	for _, c := range s.cols {
		if strings.EqualFold(c.Path, path) {
			return c
		}
	}
	return nil
}
