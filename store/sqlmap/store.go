package sqlmap

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/schema"
	"github.com/scimkit/scim/store/sqlstore"
)

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var dollar = regexp.MustCompile(`\$[0-9]+`)

// bind turns the "?" placeholders of q into the dialect's.
func (s *Store) bind(q string) string { return s.d.Rebind(q) }

// unbind turns the numbered placeholders sqlstore.Where writes for
// PostgreSQL back into "?", in order, to be combined with other SQL.
func (s *Store) unbind(cond string) string {
	if s.d != sqlstore.Postgres {
		return cond
	}
	return dollar.ReplaceAllString(cond, "?")
}

// inTx runs fn in a transaction, run again when PostgreSQL aborts it to
// break a deadlock (sqlstore.InTx).
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return sqlstore.InTx(ctx, s.db, fn)
}

// visible is the condition of the rows SCIM sees, over alias a: those
// not hidden, of the store's directory.
func (s *Store) visible(a string) string {
	cond := "1 = 1"
	if s.t.Hide != "" {
		cond = a + "." + s.t.Hide + " IS NULL"
	}
	if s.t.Directory != "" {
		cond += " AND " + a + "." + s.t.Directory + " = " + quote(s.dir)
	}
	return cond
}

// conflict maps a unique violation to scim.ErrConflict.
func (s *Store) conflict(err error) error {
	if uv := sqlstore.AsUniqueViolation(err); uv != nil {
		return fmt.Errorf("%w: a %s with the same unique value already exists", scim.ErrConflict, s.rt.Name)
	}
	return err
}

// Create inserts a row with a new id and version 1, and the group's
// members.
func (s *Store) Create(ctx context.Context, r *scim.Resource) (*scim.Resource, error) {
	id, now := newID(), time.Now().UTC()
	cols, marks, args := []string{s.t.ID, s.t.Version}, []string{"?", "1"}, []any{id}
	if s.t.Directory != "" {
		cols, marks, args = append(cols, s.t.Directory), append(marks, "?"), append(args, s.dir)
	}
	for _, c := range []string{s.t.Created, s.t.Modified} {
		if c != "" {
			cols, marks, args = append(cols, c), append(marks, "?"), append(args, s.timeArg(now))
		}
	}
	for _, c := range s.cols {
		v := s.arg(c, c.get(r.Attributes))
		cols, marks, args = append(cols, c.Name), append(marks, "?"), append(args, v)
		if c.Fold != "" {
			cols, marks, args = append(cols, c.Fold), append(marks, "?"), append(args, foldArg(v))
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.bind("INSERT INTO "+s.t.Name+" ("+strings.Join(cols, ", ")+") VALUES ("+strings.Join(marks, ", ")+")"), args...); err != nil {
			return s.conflict(err)
		}
		return s.writeMembers(ctx, tx, id, r.Attributes)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id, schema.Projection{})
}

// keyOf returns the host key of a visible row.
func (s *Store) keyOf(ctx context.Context, q querier, id string) (any, error) {
	var key any
	err := q.QueryRowContext(ctx, s.bind("SELECT t."+s.key+" FROM "+s.t.Name+" t WHERE t."+s.t.ID+" = ? AND "+s.visible("t")), id).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no %s with id %q", scim.ErrNotFound, s.rt.Name, id)
	}
	return key, err
}

// setMembers makes the group's membership rows those of attrs["members"],
// writing only the rows that change, and reports whether any did.
func (s *Store) setMembers(ctx context.Context, tx *sql.Tx, key any, attrs map[string]any) (bool, error) {
	want := map[string]bool{}
	list, _ := attrs["members"].([]any)
	for _, m := range list {
		if v, _ := m.(map[string]any); v != nil && str(v["value"]) != "" {
			want[str(v["value"])] = true
		}
	}
	have, err := s.memberIDs(ctx, tx, []any{key})
	if err != nil {
		return false, err
	}
	m, u := s.members, s.peer
	changed := false
	for _, mem := range have[fmt.Sprint(stringOf(key))] {
		id := mem.id
		if want[id] {
			delete(want, id)
			continue
		}
		_, err := tx.ExecContext(ctx, s.bind("DELETE FROM "+m.Table+" WHERE "+m.Group+" = ? AND "+m.Member+
			" = (SELECT u."+u.key+" FROM "+u.t.Name+" u WHERE u."+u.t.ID+" = ?)"), key, id)
		if err != nil {
			return false, err
		}
		changed = true
	}
	add := make([]string, 0, len(want))
	for id := range want {
		add = append(add, id)
	}
	sort.Strings(add)
	for _, id := range add {
		res, err := tx.ExecContext(ctx, s.bind("INSERT INTO "+m.Table+" ("+m.Group+", "+m.Member+") SELECT ?, u."+u.key+
			" FROM "+u.t.Name+" u WHERE u."+u.t.ID+" = ? AND "+u.visible("u")), key, id)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return false, schema.Errorf(schema.InvalidValue, "members: there is no User with id %q", id)
		}
		changed = true
	}
	return changed, nil
}

// Get returns the visible resource with the given id; a group's members
// are read only when the projection shows them, and a user's groups
// likewise.
func (s *Store) Get(ctx context.Context, id string, p schema.Projection) (*scim.Resource, error) {
	rows, err := s.db.QueryContext(ctx, s.bind("SELECT "+s.fields+" FROM "+s.t.Name+" t WHERE t."+s.t.ID+" = ? AND "+s.visible("t")), id)
	if err != nil {
		return nil, err
	}
	found, err := s.collect(ctx, rows, p)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%w: no %s with id %q", scim.ErrNotFound, s.rt.Name, id)
	}
	return found[0], nil
}

// collect reads rows of s.fields into resources, with their members or
// groups when the projection shows them.
func (s *Store) collect(ctx context.Context, rows *sql.Rows, p schema.Projection) ([]*scim.Resource, error) {
	out, _, err := s.collectKeys(ctx, rows, p)
	return out, err
}

// collectKeys is collect that also returns the host key of each resource.
func (s *Store) collectKeys(ctx context.Context, rows *sql.Rows, p schema.Projection) ([]*scim.Resource, []any, error) {
	defer rows.Close()
	var out []*scim.Resource
	var keys []any
	for rows.Next() {
		vals := make([]any, 5+len(s.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		r := &scim.Resource{ID: str(stringOf(vals[1])), Attributes: map[string]any{},
			Meta: scim.Meta{Created: toTime(vals[3]), LastModified: toTime(vals[4])}}
		version, err := strconv.ParseInt(stringOf(vals[2]).(string), 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("sqlmap: %s.%s holds %v, not an integer version", s.t.Name, s.t.Version, vals[2])
		}
		r.Meta.Version = `W/"` + strconv.FormatInt(version, 10) + `"`
		for i, c := range s.cols {
			c.set(r.Attributes, c.value(vals[5+i]))
		}
		out = append(out, r)
		keys = append(keys, vals[0])
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if s.members == nil || len(out) == 0 {
		return out, keys, nil
	}
	if s.isGroup && p.Includes(s.rt, "members") {
		ids, err := s.memberIDs(ctx, s.db, keys)
		if err != nil {
			return nil, nil, err
		}
		for i, r := range out {
			list := []any{}
			for _, m := range ids[fmt.Sprint(stringOf(keys[i]))] {
				entry := map[string]any{"value": m.id, "type": "User"}
				if m.display != "" {
					entry["display"] = m.display
				}
				list = append(list, entry)
			}
			if len(list) > 0 {
				r.Attributes["members"] = list
			}
		}
	}
	if !s.isGroup && p.Includes(s.rt, "groups") {
		if err := s.addGroups(ctx, out, keys); err != nil {
			return nil, nil, err
		}
	}
	return out, keys, nil
}

// stringOf returns a scanned id or number as text.
func stringOf(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// in returns n placeholders for an IN list.
func in(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// member is a group member as read: the user's id and displayName.
type member struct{ id, display string }

// memberIDs returns the visible users in each group of keys, keyed by
// fmt.Sprint(key), in the order of the users' host keys (creation order
// for an auto-increment key), with their displayName when the Users
// table maps it.
func (s *Store) memberIDs(ctx context.Context, q querier, keys []any) (map[string][]member, error) {
	m, u := s.members, s.peer
	display := "NULL"
	if c := u.column("displayName"); c != nil {
		display = "u." + c.Name
	}
	rows, err := q.QueryContext(ctx, s.bind("SELECT m."+m.Group+", u."+u.t.ID+", "+display+" FROM "+m.Table+" m JOIN "+u.t.Name+" u ON u."+u.key+" = m."+m.Member+
		" WHERE m."+m.Group+" IN ("+in(len(keys))+") AND "+u.visible("u")+" ORDER BY u."+u.key+", u."+u.t.ID), keys...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]member{}
	for rows.Next() {
		var g, name any
		var id string
		if err := rows.Scan(&g, &id, &name); err != nil {
			return nil, err
		}
		k := fmt.Sprint(stringOf(g))
		out[k] = append(out[k], member{id: id, display: str(stringOf(name))})
	}
	return out, rows.Err()
}

// addGroups sets each user's groups from the membership table, ordered by
// display name then id.
func (s *Store) addGroups(ctx context.Context, users []*scim.Resource, keys []any) error {
	m, g := s.members, s.peer
	display := g.column("displayName").Name
	rows, err := s.db.QueryContext(ctx, s.bind("SELECT m."+m.Member+", g."+g.t.ID+", g."+display+" FROM "+m.Table+" m JOIN "+g.t.Name+" g ON g."+g.key+" = m."+m.Group+
		" WHERE m."+m.Member+" IN ("+in(len(keys))+") AND "+g.visible("g")+" ORDER BY g."+display+", g."+g.t.ID), keys...)
	if err != nil {
		return err
	}
	defer rows.Close()
	byKey := map[string][]any{}
	for rows.Next() {
		var u, name any
		var id string
		if err := rows.Scan(&u, &id, &name); err != nil {
			return err
		}
		entry := map[string]any{"value": id, "type": "direct"}
		if d := str(stringOf(name)); d != "" {
			entry["display"] = d
		}
		k := fmt.Sprint(stringOf(u))
		byKey[k] = append(byKey[k], entry)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, r := range users {
		if list := byKey[fmt.Sprint(stringOf(keys[i]))]; len(list) > 0 {
			r.Attributes["groups"] = list
		}
	}
	return nil
}

// version parses an If-Match tag such as W/"3"; ok is false when it is not
// one the store could have written.
func version(tag string) (int64, bool) {
	v := strings.TrimPrefix(tag, "W/")
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return 0, false
	}
	n, err := strconv.ParseInt(v[1:len(v)-1], 10, 64)
	return n, err == nil
}

// guard returns the condition and arguments of a write with ifVersion.
func (s *Store) guard(id, ifVersion string) (string, []any) {
	cond := "t." + s.t.ID + " = ? AND " + s.visible("t")
	args := []any{id}
	if ifVersion != "" {
		n, ok := version(ifVersion)
		if !ok {
			n = -1 // matches no row
		}
		cond += " AND t." + s.t.Version + " = ?"
		args = append(args, n)
	}
	return cond, args
}

// missing tells a write that matched no row apart: 412 when the resource is
// there (so its version differed), else 404.
func (s *Store) missing(ctx context.Context, q querier, id string) error {
	if _, err := s.keyOf(ctx, q, id); err != nil {
		return err
	}
	return scim.ErrPreconditionFailed
}

// Replace updates every mapped column (NULL for the attributes r does not
// have) and, for a group, the membership rows that change.
func (s *Store) Replace(ctx context.Context, r *scim.Resource, ifVersion string) (*scim.Resource, error) {
	sets, args := []string{s.t.Version + " = " + s.t.Version + " + 1"}, []any{}
	if s.t.Modified != "" {
		sets, args = append(sets, s.t.Modified+" = ?"), append(args, s.timeArg(time.Now()))
	}
	for _, c := range s.cols {
		v := s.arg(c, c.get(r.Attributes))
		sets, args = append(sets, c.Name+" = ?"), append(args, v)
		if c.Fold != "" {
			sets, args = append(sets, c.Fold+" = ?"), append(args, foldArg(v))
		}
	}
	cond, condArgs := s.guard(r.ID, ifVersion)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.bind("UPDATE "+s.t.Name+" AS t SET "+strings.Join(sets, ", ")+" WHERE "+cond), append(args, condArgs...)...)
		if err != nil {
			return s.conflict(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.missing(ctx, tx, r.ID)
		}
		return s.writeMembers(ctx, tx, r.ID, r.Attributes)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, r.ID, schema.Projection{})
}

// writeMembers sets the membership rows of the group with the given id
// to the members attrs lists; a store of users has none.
func (s *Store) writeMembers(ctx context.Context, tx *sql.Tx, id string, attrs map[string]any) error {
	if !s.isGroup || s.members == nil {
		return nil
	}
	key, err := s.keyOf(ctx, tx, id)
	if err != nil {
		return err
	}
	_, err = s.setMembers(ctx, tx, key, attrs)
	return err
}

// Delete removes the row and its membership rows, or hides it (see Table.Hide).
func (s *Store) Delete(ctx context.Context, id string, ifVersion string) error {
	cond, args := s.guard(id, ifVersion)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		key, err := s.keyOf(ctx, tx, id)
		if err != nil {
			return err
		}
		var res sql.Result
		if s.t.Hide != "" {
			sets, setArgs := []string{s.t.Hide + " = ?", s.t.Version + " = " + s.t.Version + " + 1"}, []any{s.timeArg(time.Now())}
			if s.t.Modified != "" {
				sets, setArgs = append(sets, s.t.Modified+" = ?"), append(setArgs, s.timeArg(time.Now()))
			}
			if c := s.column("active"); c != nil {
				sets, setArgs = append(sets, c.Name+" = ?"), append(setArgs, false)
			}
			res, err = tx.ExecContext(ctx, s.bind("UPDATE "+s.t.Name+" AS t SET "+strings.Join(sets, ", ")+" WHERE "+cond), append(setArgs, args...)...)
		} else {
			if s.members != nil {
				col := s.members.Member
				if s.isGroup {
					col = s.members.Group
				}
				if _, err := tx.ExecContext(ctx, s.bind("DELETE FROM "+s.members.Table+" WHERE "+col+" = ?"), key); err != nil {
					return err
				}
			}
			res, err = tx.ExecContext(ctx, s.bind("DELETE FROM "+s.t.Name+" AS t WHERE "+cond), args...)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return scim.ErrPreconditionFailed
		}
		return nil
	})
}

// List answers a query in SQL: the filter through sqlstore.Where, sortBy
// through sqlstore.OrderBy, paging with LIMIT and OFFSET; the default
// order is the host key's.
func (s *Store) List(ctx context.Context, q *scim.Query) (*scim.Page, error) {
	where, args, err := s.filter(q)
	if err != nil {
		return nil, err
	}
	order := "t." + s.key + ", t." + s.t.ID
	if q.SortBy != nil {
		by, err := sqlstore.OrderByFolded(*q.SortBy, q.Descending, s.d, s.where, s.folds)
		if err != nil {
			return nil, schema.Errorf(schema.InvalidPath, "cannot sort by %s: %s does not keep it", q.SortBy.String(), s.rt.Name)
		}
		order = by + ", " + order
	}
	if q.Count <= 0 {
		return s.count(ctx, where, args)
	}
	offset := max(q.StartIndex, 1) - 1
	found, err := s.query(ctx, "SELECT "+s.fields+" FROM "+s.t.Name+" t WHERE "+where+" ORDER BY "+order+sqlstore.Limit(q.Count, offset),
		args, q.Projection)
	if err != nil {
		return nil, err
	}
	if len(found) < q.Count && (len(found) > 0 || offset == 0) {
		// A page that is not full holds the last matches, so the total
		// needs no second query: a userName lookup is one round trip.
		return &scim.Page{TotalResults: offset + len(found), Resources: append([]*scim.Resource{}, found...)}, nil
	}
	page, err := s.count(ctx, where, args)
	if err != nil {
		return nil, err
	}
	page.Resources = append(page.Resources, found...)
	return page, nil
}

var _ scim.CursorLister = (*Store)(nil)

// ListAfter pages by cursor (RFC 9865) in the host key's order, which new
// rows do not disturb when the key grows, as an auto-increment key does:
// the position is the key of the last resource returned.
func (s *Store) ListAfter(ctx context.Context, q *scim.Query, after string) (*scim.Page, string, error) {
	where, args, err := s.filter(q)
	if err != nil {
		return nil, "", err
	}
	page, err := s.count(ctx, where, args)
	if err != nil || q.Count <= 0 {
		return page, "", err
	}
	if after != "" {
		var pos any = after
		if n, err := strconv.ParseInt(after, 10, 64); err == nil {
			pos = n
		}
		where, args = where+" AND t."+s.key+" > ?", append(args, pos)
	}
	rows, err := s.db.QueryContext(ctx, s.bind("SELECT "+s.fields+" FROM "+s.t.Name+" t WHERE "+where+" ORDER BY t."+s.key+sqlstore.Limit(q.Count+1, 0)),
		args...)
	if err != nil {
		return nil, "", err
	}
	found, keys, err := s.collectKeys(ctx, rows, q.Projection)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(found) > q.Count {
		found, next = found[:q.Count], fmt.Sprint(stringOf(keys[q.Count-1]))
	}
	page.Resources = append(page.Resources, found...)
	return page, next, nil
}

// filter returns the condition and arguments of the rows q selects.
func (s *Store) filter(q *scim.Query) (string, []any, error) {
	where, args := s.visible("t"), []any{}
	if q.Filter != nil {
		cond, condArgs, err := sqlstore.WhereFolded(q.Filter, s.rt, s.d, s.where, s.folds)
		if err != nil {
			return "", nil, err
		}
		where, args = where+" AND ("+s.unbind(cond)+")", condArgs
	}
	return where, args, nil
}

// count returns an empty page with the number of rows where selects.
func (s *Store) count(ctx context.Context, where string, args []any) (*scim.Page, error) {
	page := &scim.Page{Resources: []*scim.Resource{}}
	if err := s.db.QueryRowContext(ctx, s.bind("SELECT COUNT(*) FROM "+s.t.Name+" t WHERE "+where), args...).Scan(&page.TotalResults); err != nil {
		return nil, err
	}
	return page, nil
}

// query reads the resources a SELECT of s.fields returns.
func (s *Store) query(ctx context.Context, query string, args []any, p schema.Projection) ([]*scim.Resource, error) {
	rows, err := s.db.QueryContext(ctx, s.bind(query), args...)
	if err != nil {
		return nil, err
	}
	return s.collect(ctx, rows, p)
}

// newID returns a random UUID (version 4).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
