package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/examples/internal/jsonapi"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// The stores map SCIM Users onto the helpdesk's agents (users) and SCIM
// Groups onto its teams (teams, one team_members row per member). A user's
// "groups" are computed from team_members.

// querier is what the stores need of a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const (
	// versionIs matches an If-Match tag such as W/"3", or any version
	// when the tag is empty.
	versionIs = `(? = '' OR 'W/"' || version || '"' = ?)`
	// uniqueViolation is how SQLite reports a duplicate key.
	uniqueViolation = "UNIQUE constraint failed"
)

func now() time.Time { return time.Now().UTC() }

func tag(version int) string { return fmt.Sprintf(`W/"%d"`, version) }

// listPage answers the filter, sort and page of q over table in SQL, with
// columns mapping attribute paths to the table's columns (an attribute
// without one is the client's error), and returns the total and the page's
// rows read by scan.
func listPage[T any](ctx context.Context, db *sql.DB, table, fields string, columns map[string]string, rt *schema.ResourceType,
	q *scim.Query, scan func(jsonapi.Scanner) (T, error)) (total int, items []T, err error) {
	cond, args, order := "1 = 1", []any{}, "id"
	if q.Filter != nil {
		if cond, args, err = sqlstore.Where(q.Filter, rt, sqlstore.SQLite, columns); err != nil {
			return 0, nil, err
		}
	}
	if q.SortBy != nil {
		if order, err = sqlstore.OrderBy(*q.SortBy, q.Descending, columns); err != nil {
			return 0, nil, err
		}
		order += ", id"
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE "+cond, args...).Scan(&total); err != nil {
		return 0, nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT "+fields+" FROM "+table+" WHERE "+cond+" ORDER BY "+order+" LIMIT ? OFFSET ?",
		append(args, q.Count, max(q.StartIndex, 1)-1)...)
	items, err = jsonapi.Collect(rows, err, scan)
	return total, items, err
}

// inList returns "?, ?, ?" for n values.
func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// userStore serves SCIM Users from the users table.
type userStore struct {
	db *sql.DB
	rt *schema.ResourceType
}

var _ scim.ResourceStore = (*userStore)(nil)

// userColumns maps filterable and sortable User attributes to columns.
var userColumns = map[string]string{
	"id": "CAST(id AS TEXT)", "userName": "username", "externalId": "external_ref",
	"name.givenName": "first_name", "name.familyName": "last_name", "displayName": "display_name",
	"emails": "email", "emails.value": "email", "active": "active", "title": "job_title",
	"meta.created": "created_at", "meta.lastModified": "updated_at",
}

const userFields = "id, username, first_name, last_name, display_name, email, job_title, active, external_ref, version, created_at, updated_at"

func (s *userStore) Create(ctx context.Context, r *scim.Resource) (*scim.Resource, error) {
	u, t := scim.UserFromResource(r), now()
	row := s.db.QueryRowContext(ctx, `INSERT INTO users (username, first_name, last_name, display_name, email, job_title,
		active, external_ref, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING `+userFields,
		u.UserName, u.GivenName, u.FamilyName, u.DisplayName, u.Email, u.Title, u.Active, u.ExternalID, t, t)
	created, err := s.scan(row, u.UserName)
	if err != nil {
		return nil, err
	}
	return created.Resource(), nil
}

func (s *userStore) Get(ctx context.Context, id string, p schema.Projection) (*scim.Resource, error) {
	u, err := s.scan(s.db.QueryRowContext(ctx, "SELECT "+userFields+" FROM users WHERE id = ?", id), "")
	if err == nil && p.Includes(s.rt, "groups") {
		err = s.addGroups(ctx, []*scim.User{u})
	}
	if err != nil {
		return nil, err
	}
	return u.Resource(), nil
}

func (s *userStore) Replace(ctx context.Context, r *scim.Resource, ifVersion string) (*scim.Resource, error) {
	u := scim.UserFromResource(r)
	row := s.db.QueryRowContext(ctx, `UPDATE users SET username = ?, first_name = ?, last_name = ?, display_name = ?,
		email = ?, job_title = ?, active = ?, external_ref = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND `+versionIs+` RETURNING `+userFields,
		u.UserName, u.GivenName, u.FamilyName, u.DisplayName, u.Email, u.Title, u.Active, u.ExternalID, now(),
		r.ID, ifVersion, ifVersion)
	stored, err := s.scan(row, u.UserName)
	if errors.Is(err, scim.ErrNotFound) {
		return nil, missing(ctx, s.db, "users", r.ID)
	}
	if err == nil {
		err = s.addGroups(ctx, []*scim.User{stored})
	}
	if err != nil {
		return nil, err
	}
	return stored.Resource(), nil
}

// Delete removes the user; team_members rows go with it and tickets
// assigned to the user become unassigned (foreign keys).
func (s *userStore) Delete(ctx context.Context, id string, ifVersion string) error {
	err := s.db.QueryRowContext(ctx, "DELETE FROM users WHERE id = ? AND "+versionIs+" RETURNING id",
		id, ifVersion, ifVersion).Scan(new(int64))
	if errors.Is(err, sql.ErrNoRows) {
		return missing(ctx, s.db, "users", id)
	}
	return err
}

func (s *userStore) List(ctx context.Context, q *scim.Query) (*scim.Page, error) {
	page := &scim.Page{Resources: []*scim.Resource{}}
	total, users, err := listPage(ctx, s.db, "users", userFields, userColumns, s.rt, q,
		func(row jsonapi.Scanner) (*scim.User, error) { return s.scan(row, "") })
	if err != nil {
		return nil, err
	}
	page.TotalResults = total
	if q.Projection.Includes(s.rt, "groups") {
		if err := s.addGroups(ctx, users); err != nil {
			return nil, err
		}
	}
	for _, u := range users {
		page.Resources = append(page.Resources, u.Resource())
	}
	return page, nil
}

// addGroups sets the computed groups of users, with one query.
func (s *userStore) addGroups(ctx context.Context, users []*scim.User) error {
	if len(users) == 0 {
		return nil
	}
	ids, byID := make([]any, len(users)), map[string][]scim.GroupRef{}
	for i, u := range users {
		ids[i] = u.ID
	}
	rows, err := s.db.QueryContext(ctx, `SELECT m.user_id, t.id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id
		WHERE m.user_id IN (`+inList(len(ids))+`) ORDER BY t.name, t.id`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var user, team, name string
		if err := rows.Scan(&user, &team, &name); err != nil {
			return err
		}
		byID[user] = append(byID[user], scim.GroupRef{ID: team, Display: name})
	}
	for _, u := range users {
		u.Groups = byID[u.ID]
	}
	return rows.Err()
}

// scan reads a users row, mapping SQL outcomes to the sentinel errors;
// userName names the user in a conflict.
func (s *userStore) scan(row interface{ Scan(...any) error }, userName string) (*scim.User, error) {
	var u scim.User
	var version int
	err := row.Scan(&u.ID, &u.UserName, &u.GivenName, &u.FamilyName, &u.DisplayName, &u.Email, &u.Title, &u.Active,
		&u.ExternalID, &version, &u.Meta.Created, &u.Meta.LastModified)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, scim.ErrNotFound
	case err != nil && strings.Contains(err.Error(), uniqueViolation):
		return nil, fmt.Errorf("%w: userName %q is already taken", scim.ErrConflict, userName)
	case err != nil:
		return nil, err
	}
	u.Meta.Version = tag(version)
	return &u, nil
}

// missing tells a write that matched no row apart: 412 when the row is
// there (so its version differed), else 404.
func missing(ctx context.Context, q querier, table, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE id = ?", id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return scim.ErrPreconditionFailed
	}
	return fmt.Errorf("%w: no %s with id %q", scim.ErrNotFound, strings.TrimSuffix(table, "s"), id)
}

// teamStore serves SCIM Groups from the teams and team_members tables. It
// implements scim.Patcher so that adding or removing a member touches one
// team_members row, and it reads member rows only when they are shown.
type teamStore struct {
	db *sql.DB
	rt *schema.ResourceType
	// memberReads counts the queries that read team_members, for tests.
	memberReads atomic.Int64
}

var (
	_ scim.ResourceStore = (*teamStore)(nil)
	_ scim.Patcher       = (*teamStore)(nil)
)

// teamColumns maps filterable and sortable Group attributes to columns.
var teamColumns = map[string]string{
	"id": "CAST(id AS TEXT)", "displayName": "name", "externalId": "external_ref",
	"meta.created": "created_at", "meta.lastModified": "updated_at",
}

const teamFields = "id, name, external_ref, version, created_at, updated_at"

func (s *teamStore) Create(ctx context.Context, r *scim.Resource) (*scim.Resource, error) {
	g, t := scim.GroupFromResource(r), now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	created, err := s.scan(tx.QueryRowContext(ctx, `INSERT INTO teams (name, external_ref, version, created_at, updated_at)
		VALUES (?, ?, 1, ?, ?) RETURNING `+teamFields, g.DisplayName, g.ExternalID, t, t), g.DisplayName)
	if err != nil {
		return nil, err
	}
	if created.Members, _, err = s.changeMembers(ctx, tx, created.ID, patch.Delta{Add: memberObjects(g.Members)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return created.Resource(), nil
}

func (s *teamStore) Get(ctx context.Context, id string, p schema.Projection) (*scim.Resource, error) {
	g, err := s.get(ctx, s.db, id, p.Includes(s.rt, "members"))
	if err != nil {
		return nil, err
	}
	return g.Resource(), nil
}

// get reads a team, with its members when asked.
func (s *teamStore) get(ctx context.Context, q querier, id string, withMembers bool) (*scim.Group, error) {
	g, err := s.scan(q.QueryRowContext(ctx, "SELECT "+teamFields+" FROM teams WHERE id = ?", id), "")
	if err == nil && withMembers {
		err = s.addMembers(ctx, q, []*scim.Group{g})
	}
	return g, err
}

// Replace renames the team and brings its member rows to the new list,
// inserting and deleting only the rows that differ.
func (s *teamStore) Replace(ctx context.Context, r *scim.Resource, ifVersion string) (*scim.Resource, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, err := s.current(ctx, tx, r.ID, ifVersion, true)
	if err != nil {
		return nil, err
	}
	if err := s.write(ctx, tx, old, scim.GroupFromResource(r)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Get(ctx, r.ID, schema.Projection{})
}

// write stores g in place of the team old (read with its members) and
// gives it a new version.
func (s *teamStore) write(ctx context.Context, tx *sql.Tx, old, g *scim.Group) error {
	_, err := tx.ExecContext(ctx, "UPDATE teams SET name = ?, external_ref = ?, version = version + 1, updated_at = ? WHERE id = ?",
		g.DisplayName, g.ExternalID, now(), old.ID)
	if err != nil {
		if strings.Contains(err.Error(), uniqueViolation) {
			return fmt.Errorf("%w: a team named %q exists", scim.ErrConflict, g.DisplayName)
		}
		return err
	}
	keep := map[string]bool{}
	for _, id := range g.Members {
		keep[id] = true
	}
	var d patch.Delta
	for _, id := range old.Members {
		if !keep[id] {
			d.Remove = append(d.Remove, id)
		}
		delete(keep, id)
	}
	for _, id := range g.Members {
		if keep[id] {
			d.Add = append(d.Add, map[string]any{"value": id})
		}
	}
	_, _, err = s.changeMembers(ctx, tx, old.ID, d)
	return err
}

func (s *teamStore) Delete(ctx context.Context, id string, ifVersion string) error {
	err := s.db.QueryRowContext(ctx, "DELETE FROM teams WHERE id = ? AND "+versionIs+" RETURNING id",
		id, ifVersion, ifVersion).Scan(new(int64))
	if errors.Is(err, sql.ErrNoRows) {
		return missing(ctx, s.db, "teams", id)
	}
	return err
}

// Patch applies a membership-only request row by row; any other request
// goes through patch.Apply on the whole team, in the same transaction.
func (s *teamStore) Patch(ctx context.Context, id string, req *patch.Request, ifVersion string, p schema.Projection) (*scim.Resource, *patch.Result, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	delta, membersOnly := req.MemberDelta(s.rt)
	old, err := s.current(ctx, tx, id, ifVersion, !membersOnly)
	if err != nil {
		return nil, nil, err
	}
	result := &patch.Result{}
	if membersOnly {
		result.MembersAdded, result.MembersRemoved, err = s.changeMembers(ctx, tx, id, delta)
		result.Changed = len(result.MembersAdded)+len(result.MembersRemoved) > 0
		if err == nil && result.Changed {
			_, err = tx.ExecContext(ctx, "UPDATE teams SET version = version + 1, updated_at = ? WHERE id = ?", now(), id)
		}
	} else {
		var attrs map[string]any
		attrs, result, err = patch.Apply(s.rt, old.Resource().Attributes, req)
		if err == nil && result.Changed {
			err = s.write(ctx, tx, old, scim.GroupFromResource(&scim.Resource{Attributes: attrs}))
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, err
	}
	res, err := s.Get(ctx, id, p)
	return res, result, err
}

// current reads the team for a write, checking ifVersion.
func (s *teamStore) current(ctx context.Context, tx *sql.Tx, id, ifVersion string, withMembers bool) (*scim.Group, error) {
	old, err := s.get(ctx, tx, id, withMembers)
	if err != nil {
		return nil, err
	}
	if ifVersion != "" && ifVersion != old.Meta.Version {
		return nil, scim.ErrPreconditionFailed
	}
	return old, nil
}

// changeMembers applies a membership delta to team_members, one row per
// member added or removed, and reports the net change. Members must be
// helpdesk users.
func (s *teamStore) changeMembers(ctx context.Context, tx *sql.Tx, team string, d patch.Delta) (added, removed []string, err error) {
	if d.RemoveAll {
		rows, err := tx.QueryContext(ctx, "DELETE FROM team_members WHERE team_id = ? RETURNING user_id", team)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, nil, err
			}
			removed = append(removed, id)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, nil, err
		}
	}
	for _, user := range d.Remove {
		res, err := tx.ExecContext(ctx, "DELETE FROM team_members WHERE team_id = ? AND user_id = ?", team, user)
		if err != nil {
			return nil, nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			removed = append(removed, user)
		}
	}
	again := map[string]bool{}
	for _, m := range d.Add {
		user, _ := m["value"].(string)
		var exists bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)", user).Scan(&exists); err != nil {
			return nil, nil, err
		}
		if !exists {
			return nil, nil, schema.Errorf(schema.InvalidValue, "member %q is not a user of the helpdesk", user)
		}
		res, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO team_members (team_id, user_id, added_at) VALUES (?, ?, ?)", team, user, now())
		if err != nil {
			return nil, nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added = append(added, user)
		}
		again[user] = true
	}
	// A member removed and added back by the same request did not change.
	var net []string
	for _, id := range removed {
		if !again[id] {
			net = append(net, id)
		}
	}
	return added, net, nil
}

// memberObjects returns the member objects of ids.
func memberObjects(ids []string) []map[string]any {
	out := make([]map[string]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"value": id}
	}
	return out
}

func (s *teamStore) List(ctx context.Context, q *scim.Query) (*scim.Page, error) {
	page := &scim.Page{Resources: []*scim.Resource{}}
	total, teams, err := listPage(ctx, s.db, "teams", teamFields, teamColumns, s.rt, q,
		func(row jsonapi.Scanner) (*scim.Group, error) { return s.scan(row, "") })
	if err != nil {
		return nil, err
	}
	page.TotalResults = total
	if q.Projection.Includes(s.rt, "members") {
		if err := s.addMembers(ctx, s.db, teams); err != nil {
			return nil, err
		}
	}
	for _, g := range teams {
		page.Resources = append(page.Resources, g.Resource())
	}
	return page, nil
}

// addMembers sets the members of teams, with one query.
func (s *teamStore) addMembers(ctx context.Context, q querier, teams []*scim.Group) error {
	if len(teams) == 0 {
		return nil
	}
	s.memberReads.Add(1)
	ids, byID := make([]any, len(teams)), map[string][]string{}
	for i, g := range teams {
		ids[i] = g.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT team_id, user_id FROM team_members
		WHERE team_id IN (`+inList(len(ids))+`) ORDER BY added_at, user_id`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var team, user string
		if err := rows.Scan(&team, &user); err != nil {
			return err
		}
		byID[team] = append(byID[team], user)
	}
	for _, g := range teams {
		g.Members = byID[g.ID]
	}
	return rows.Err()
}

// scan reads a teams row, mapping SQL outcomes to the sentinel errors; name
// names the team in a conflict.
func (s *teamStore) scan(row interface{ Scan(...any) error }, name string) (*scim.Group, error) {
	var g scim.Group
	var version int
	err := row.Scan(&g.ID, &g.DisplayName, &g.ExternalID, &version, &g.Meta.Created, &g.Meta.LastModified)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, scim.ErrNotFound
	case err != nil && strings.Contains(err.Error(), uniqueViolation):
		return nil, fmt.Errorf("%w: a team named %q exists", scim.ErrConflict, name)
	case err != nil:
		return nil, err
	}
	g.Meta.Version = tag(version)
	return &g, nil
}
