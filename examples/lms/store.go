package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// userStore serves SCIM Users from the LMS's own users table.
type userStore struct {
	db *sql.DB
	rt *schema.ResourceType
	// deactivate makes DELETE keep the row, inactive and hidden from SCIM.
	deactivate bool
}

var _ scim.ResourceStore = (*userStore)(nil)

// userColumns maps the SCIM attributes clients filter and sort on to the
// columns of users. Filters on anything else are answered with 400.
var userColumns = map[string]string{
	"id": "CAST(id AS TEXT)", "userName": "username", "externalId": "external_ref",
	"name.givenName": "first_name", "name.familyName": "last_name", "displayName": "display_name",
	"emails": "email", "emails.value": "email", "active": "(status = 'active')",
}

const (
	userFields = "id, username, first_name, last_name, display_name, email, status, external_ref, version, created_at, updated_at"
	// live selects the rows SCIM sees: those no SCIM DELETE deactivated.
	live = "deprovisioned_at IS NULL"
	// versionIs matches an If-Match tag such as W/"3", or any version when empty.
	versionIs = `(? = '' OR 'W/"' || version || '"' = ?)`
	statusOf  = "CASE WHEN ? THEN 'active' ELSE 'inactive' END"
)

func (s *userStore) Create(ctx context.Context, r *scim.Resource) (*scim.Resource, error) {
	u, now := scim.UserFromResource(r), time.Now().UTC()
	row := s.db.QueryRowContext(ctx, `INSERT INTO users (username, first_name, last_name, display_name, email, status,
		external_ref, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, `+statusOf+`, ?, 1, ?, ?) RETURNING `+userFields,
		u.UserName, u.GivenName, u.FamilyName, u.DisplayName, u.Email, u.Active, u.ExternalID, now, now)
	return scanUser(row, u.UserName)
}

func (s *userStore) Get(ctx context.Context, id string, _ schema.Projection) (*scim.Resource, error) {
	return scanUser(s.db.QueryRowContext(ctx, "SELECT "+userFields+" FROM users WHERE id = ? AND "+live, id), "")
}

func (s *userStore) Replace(ctx context.Context, r *scim.Resource, ifVersion string) (*scim.Resource, error) {
	u := scim.UserFromResource(r)
	row := s.db.QueryRowContext(ctx, `UPDATE users SET username = ?, first_name = ?, last_name = ?, display_name = ?,
		email = ?, status = `+statusOf+`, external_ref = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND `+live+` AND `+versionIs+` RETURNING `+userFields,
		u.UserName, u.GivenName, u.FamilyName, u.DisplayName, u.Email, u.Active, u.ExternalID, time.Now().UTC(),
		r.ID, ifVersion, ifVersion)
	res, err := scanUser(row, u.UserName)
	if errors.Is(err, scim.ErrNotFound) {
		return nil, s.missing(ctx, r.ID)
	}
	return res, err
}

// Delete deactivates or removes the user; enrolments go with a removed row.
func (s *userStore) Delete(ctx context.Context, id string, ifVersion string) error {
	query := "DELETE FROM users"
	if s.deactivate {
		query = "UPDATE users SET status = 'inactive', deprovisioned_at = CURRENT_TIMESTAMP, version = version + 1"
	}
	err := s.db.QueryRowContext(ctx, query+" WHERE id = ? AND "+live+" AND "+versionIs+" RETURNING id",
		id, ifVersion, ifVersion).Scan(new(int64))
	if errors.Is(err, sql.ErrNoRows) {
		return s.missing(ctx, id)
	}
	return err
}

// List pushes the filter, sort and page down to SQL.
func (s *userStore) List(ctx context.Context, q *scim.Query) (*scim.Page, error) {
	where, args, order := live, []any{}, "id"
	if q.Filter != nil {
		cond, condArgs, err := sqlstore.Where(q.Filter, s.rt, sqlstore.SQLite, userColumns)
		if err != nil {
			return nil, err // 400 invalidFilter, naming what has no column
		}
		where, args = where+" AND ("+cond+")", condArgs
	}
	if q.SortBy != nil {
		by, err := sqlstore.OrderBy(*q.SortBy, q.Descending, userColumns)
		if err != nil {
			return nil, err
		}
		order = by + ", id"
	}
	page := &scim.Page{Resources: []*scim.Resource{}}
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE "+where, args...).Scan(&page.TotalResults); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+userFields+" FROM users WHERE "+where+" ORDER BY "+order+" LIMIT ? OFFSET ?",
		append(args, q.Count, max(q.StartIndex, 1)-1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		res, err := scanUser(rows, "")
		if err != nil {
			return nil, err
		}
		page.Resources = append(page.Resources, res)
	}
	return page, rows.Err()
}

// missing tells a write that matched no row apart: 412 when the user is
// there (so its version differed), else 404.
func (s *userStore) missing(ctx context.Context, id string) error {
	if _, err := s.Get(ctx, id, schema.Projection{}); err == nil {
		return scim.ErrPreconditionFailed
	}
	return fmt.Errorf("%w: no user with id %q", scim.ErrNotFound, id)
}

// scanUser reads a users row into a resource, mapping SQL outcomes to the
// sentinel errors; userName names the user in a conflict.
func scanUser(row interface{ Scan(...any) error }, userName string) (*scim.Resource, error) {
	var u scim.User
	st, version := "", 0
	err := row.Scan(&u.ID, &u.UserName, &u.GivenName, &u.FamilyName, &u.DisplayName, &u.Email, &st, &u.ExternalID,
		&version, &u.Meta.Created, &u.Meta.LastModified)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, scim.ErrNotFound
	case err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed"):
		return nil, fmt.Errorf("%w: userName %q is already taken", scim.ErrConflict, userName)
	case err != nil:
		return nil, err
	}
	u.Active, u.Meta.Version = st == "active", fmt.Sprintf(`W/"%d"`, version)
	return u.Resource(), nil
}
