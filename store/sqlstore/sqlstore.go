// Package sqlstore is a SCIM store over database/sql, for SQLite (one file,
// embedded) and PostgreSQL (several stateless servers over one database).
//
// Resources live in one table, with indexed columns for id, userName
// (case-insensitively unique), externalId and displayName and the other
// attributes in a JSON column (TEXT in SQLite, JSONB in PostgreSQL); group
// membership lives in its own table, one row per member. Filters, sorting
// and paging are translated to parameterised SQL with the semantics of
// package filter, so the database answers them: a lookup by userName or
// externalId is an index lookup, and adding one member writes one row.
//
// Store implements scim.SnapshotReader: the reads a server makes with the
// default attributes share immutable snapshots that a DB caches (see
// Options.SnapshotCacheSize), so that a resource read again unchanged is
// neither decoded nor, by the server, rendered and encoded again. Every
// read still queries the database and uses a cached snapshot only when
// the row it reads is the one the snapshot was built from, at the same
// version and, for a user, in the same groups, so several processes may
// share one database.
//
// Open creates the tables if they do not exist:
//
//	<prefix>resources (seq, dir, type, id, version, created, last_modified,
//	                   user_name, user_name_lower, user_name_fold,
//	                   external_id, display_name, display_name_fold,
//	                   data, fdata, ldata)
//	<prefix>members   (seq, dir, group_id, member_id, data, fdata, ldata)
//
// The _fold, _lower, fdata and ldata columns hold the stored values case
// folded as package filter compares them (see fold.go): Unicode, not
// ASCII only. A member is the id of a resource that exists. dir is the
// directory of a row: DB.Directory returns the stores of one directory,
// and every index leads with it (see directory.go).
//
// The package does not import a driver: the host opens the *sql.DB with
// the driver it prefers (modernc.org/sqlite, github.com/jackc/pgx/v5/stdlib)
// and names the Dialect.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/schema"
)

// Options tune Open.
type Options struct {
	// TablePrefix is prepended to the table names ("scim_" when empty).
	TablePrefix string
	// SnapshotCacheSize bounds the number of resources whose snapshots
	// the DB keeps in memory for GetSnapshot and ListSnapshots, the reads
	// the server makes with the default attributes
	// (DefaultSnapshotCacheSize when 0; a negative value turns the cache
	// off). A snapshot read of a resource that has not changed since it
	// was cached is neither decoded again nor, by the server, encoded
	// again: it still queries the database, so the stores of several
	// processes over one database stay correct. An entry is a whole
	// resource, decoded and, once served, encoded: a group of many
	// members is a large one.
	SnapshotCacheSize int
}

// DB is a set of stores over one database.
type DB struct {
	db        *sql.DB
	d         Dialect
	resources string
	members   string
	users     *Store
	groups    *Store
	// stmts caches prepared statements by SQL text: a filter's SQL depends
	// only on its shape, so the sync-cycle lookups reuse one statement.
	stmts  sync.Map // string → *sql.Stmt
	nstmts atomic.Int32
	// pages caches the text of find's page queries by what decides it
	// (pageShape), so that the lookups of a sync cycle, which all have
	// the same shape, do not build and rewrite the same SQL each time.
	pages  sync.Map // pageShape → *pageQuery
	npages atomic.Int32
	// snaps caches the snapshots of every store of the DB, every
	// directory's (nil when turned off; see snapcache.go).
	snaps *snapCache
}

// maxStatements bounds the statement cache.
const maxStatements = 512

// queryContext runs a read through a cached prepared statement.
func (db *DB) queryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt).QueryContext(ctx, args...)
	}
	if db.nstmts.Load() >= maxStatements {
		return db.db.QueryContext(ctx, query, args...)
	}
	st, err := db.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	} else {
		db.nstmts.Add(1)
	}
	return st.QueryContext(ctx, args...)
}

// Close releases the cached statements; it does not close the *sql.DB.
func (db *DB) Close() error {
	db.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		db.stmts.Delete(k)
		return true
	})
	db.nstmts.Store(0)
	return nil
}

// Open creates the tables when they do not exist and returns the stores.
// For SQLite, open the database with one connection
// (db.SetMaxOpenConns(1)): SQLite serialises writers, and one connection
// makes every transaction see the last write.
func Open(ctx context.Context, db *sql.DB, d Dialect, opts Options) (*DB, error) {
	if !d.valid() {
		return nil, fmt.Errorf("sqlstore: unknown dialect %v: use SQLite or Postgres", d)
	}
	prefix := opts.TablePrefix
	if prefix == "" {
		prefix = "scim_"
	}
	for _, c := range prefix {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return nil, fmt.Errorf("sqlstore: table prefix %q: use lower-case letters, digits and _", prefix)
		}
	}
	size := opts.SnapshotCacheSize
	if size == 0 {
		size = DefaultSnapshotCacheSize
	}
	s := &DB{db: db, d: d, resources: prefix + "resources", members: prefix + "members", snaps: newSnapCache(size)}
	for _, stmt := range d.schema(prefix) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("sqlstore: creating tables: %w", err)
		}
	}
	if err := s.upgrade(ctx, prefix); err != nil {
		return nil, err
	}
	s.users = s.Store(schema.UserResourceType())
	s.groups = s.Store(schema.GroupResourceType())
	return s, nil
}

// Users returns the store of User resources.
func (db *DB) Users() *Store { return db.users }

// Groups returns the store of Group resources.
func (db *DB) Groups() *Store { return db.groups }

// Store returns a store for the resource type rt, kept in the same tables
// under rt.Name.
func (db *DB) Store(rt *schema.ResourceType) *Store {
	s := &Store{db: db, rt: rt}
	if m := rt.Schema.Attribute("members"); m != nil && m.MultiValued && m.Type == schema.Complex {
		s.hasMembers = true
	}
	if g := rt.Schema.Attribute("groups"); g != nil && g.EffectiveMutability() == schema.ReadOnly {
		s.hasGroups = true
	}
	s.snapMembers = s.hasMembers && schema.Projection{}.Includes(rt, "members")
	s.snapGroups = s.hasGroups && schema.Projection{}.Includes(rt, "groups")
	return s
}

// Store keeps the resources of one resource type. It implements
// scim.ResourceStore, scim.Patcher, scim.CursorLister and
// scim.SnapshotReader.
type Store struct {
	db                    *DB
	rt                    *schema.ResourceType
	hasMembers, hasGroups bool
	// snapMembers and snapGroups say whether a read with the zero
	// projection, and so a snapshot, shows the members and the computed
	// groups.
	snapMembers, snapGroups bool
	// dir is the directory whose resources the store keeps ("" for the
	// default one); every statement is scoped by it.
	dir string
}

var (
	_ scim.ResourceStore  = (*Store)(nil)
	_ scim.Patcher        = (*Store)(nil)
	_ scim.CursorLister   = (*Store)(nil)
	_ scim.SnapshotReader = (*Store)(nil)
)

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// keyArgs: the statements compare the indexed key columns (dir, type, id,
// group_id, member_id and the folded values) with CAST(? AS TEXT) rather
// than a bare parameter. The CAST changes nothing in a comparison of two
// texts, but it keeps SQLite's planner from looking at the bound value:
// once ANALYZE (or PRAGMA optimize) has gathered STAT4 statistics, a bare
// parameter on an indexed column makes SQLite compile a prepared statement
// again every time it is bound, which cost three times the lookup itself
// (BenchmarkUserNameEq: 80 against 28 µs).

// exec runs a write statement.
func (s *Store) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, s.db.d.Rebind(query), args...)
}

// query runs a read; outside a transaction it goes through the cache of
// prepared statements, so that the reads of every request (a user's
// groups, a group's members) are not prepared again each time.
func (s *Store) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	if db, ok := q.(*sql.DB); ok && db == s.db.db {
		return s.db.queryContext(ctx, s.db.d.Rebind(query), args...)
	}
	return q.QueryContext(ctx, s.db.d.Rebind(query), args...)
}

// inTx runs fn in a transaction of the store's database (see InTx).
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return InTx(ctx, s.db.db, fn)
}

// row is a stored resource as read back. scanRaw fills what the query
// read as it came; decode turns the times and the document into values.
// A snapshot read that finds the row unchanged in the cache decodes
// nothing.
type row struct {
	seq          int64
	id           string
	version      int64
	created      time.Time
	lastModified time.Time
	attrs        map[string]any
	// groups, when the query selected groupsColumn, is the user's
	// groups as a JSON array, so that no second query is needed.
	groups       []byte
	groupsLoaded bool
	// rawCreated, rawModified and data are the row's times and document
	// as scanned, until decode. data is a string: a driver that reads
	// TEXT as a string hands it over without the copy a []byte needs.
	rawCreated, rawModified any
	data                    string
}

const columns = "r.seq, r.id, r.version, r.created, r.last_modified, r.data"

func (s *Store) scan(rows interface{ Scan(...any) error }) (*row, error) {
	return s.scanRow(rows, false)
}

// scanRow reads and decodes a row of columns, followed by groupsColumn
// when withGroups.
func (s *Store) scanRow(rows interface{ Scan(...any) error }, withGroups bool) (*row, error) {
	r, err := scanRaw(rows, withGroups)
	if err != nil {
		return nil, err
	}
	return r, s.decode(r)
}

// scanRaw reads a row of columns, followed by groupsColumn when
// withGroups, without decoding it.
func scanRaw(rows interface{ Scan(...any) error }, withGroups bool) (*row, error) {
	var r row
	targets := []any{&r.seq, &r.id, &r.version, &r.rawCreated, &r.rawModified, &r.data}
	if withGroups {
		targets = append(targets, &r.groups)
		r.groupsLoaded = true
	}
	if err := rows.Scan(targets...); err != nil {
		return nil, err
	}
	return &r, nil
}

// decode turns the times and the JSON document that scanRaw read into
// r's values.
func (s *Store) decode(r *row) error {
	var err error
	if r.created, err = toTime(r.rawCreated); err != nil {
		return err
	}
	if r.lastModified, err = toTime(r.rawModified); err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(r.data))
	dec.UseNumber()
	if err := dec.Decode(&r.attrs); err != nil {
		return fmt.Errorf("sqlstore: decoding %s %s: %w", s.rt.Name, r.id, err)
	}
	r.attrs, _ = canonicalNumbers(r.attrs).(map[string]any)
	r.rawCreated, r.rawModified, r.data = nil, nil, ""
	return nil
}

// canonicalNumbers turns the json.Numbers of stored attributes back into
// the canonical int64 and float64.
func canonicalNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil && !strings.ContainsAny(v.String(), ".eE") {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = canonicalNumbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = canonicalNumbers(e)
		}
	}
	return v
}

// timeFormat is how SQLite stores times: fixed width, so that text order is
// time order.
const timeFormat = "2006-01-02T15:04:05.000Z"

func (s *Store) timeArg(t time.Time) any {
	if s.db.d.pg() {
		return t
	}
	return t.UTC().Format(timeFormat)
}

func toTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return time.Parse(time.RFC3339Nano, v)
	case []byte:
		return time.Parse(time.RFC3339Nano, string(v))
	}
	return time.Time{}, fmt.Errorf("sqlstore: unexpected time value %T", v)
}

func (s *Store) resource(ctx context.Context, q querier, r *row, withMembers, withGroups bool) (*scim.Resource, error) {
	attrs := r.attrs
	if withMembers {
		members, err := s.loadMembers(ctx, q, r.id)
		if err != nil {
			return nil, err
		}
		if len(members) > 0 {
			attrs["members"] = members
		}
	}
	if withGroups {
		groups, err := s.groupsOf(ctx, q, r)
		if err != nil {
			return nil, err
		}
		if len(groups) > 0 {
			attrs["groups"] = groups
		}
	}
	return &scim.Resource{ID: r.id, Attributes: attrs, Meta: scim.Meta{
		ResourceType: s.rt.Name, Created: r.created, LastModified: r.lastModified, Version: versionTag(r.version)}}, nil
}

func (s *Store) loadMembers(ctx context.Context, q querier, id string) ([]any, error) {
	rows, err := s.query(ctx, q, "SELECT data FROM "+s.db.members+" WHERE dir = CAST(? AS TEXT) AND group_id = CAST(? AS TEXT) ORDER BY seq", s.dir, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// groupsQuery selects the id and displayName of the groups of a member,
// given the groups' type, the directory and the member's id.
func (s *Store) groupsQuery() string {
	return "SELECT m.group_id, g.display_name FROM " + s.db.d.memberships(s.db.members, "m", s.db.resources, "g") +
		" ON g.dir = m.dir AND g.type = CAST(? AS TEXT) AND g.id = m.group_id WHERE m.dir = CAST(? AS TEXT) AND m.member_id = CAST(? AS TEXT)"
}

func (s *Store) loadGroups(ctx context.Context, q querier, id string) ([]any, error) {
	rows, err := s.query(ctx, q, s.groupsQuery(), s.db.groups.rt.Name, s.dir, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var gid string
		var name *string // NULL for a group without displayName
		if err := rows.Scan(&gid, &name); err != nil {
			return nil, err
		}
		out = append(out, groupEntry(gid, name))
	}
	sortGroups(out)
	return out, rows.Err()
}

// groupsOf returns the groups of the user in r: from the row when the
// query selected them, else from a query of its own.
func (s *Store) groupsOf(ctx context.Context, q querier, r *row) ([]any, error) {
	if !r.groupsLoaded {
		return s.loadGroups(ctx, q, r.id)
	}
	var refs []struct {
		Value   string  `json:"value"`
		Display *string `json:"display"`
	}
	if len(r.groups) > 0 {
		if err := json.Unmarshal(r.groups, &refs); err != nil {
			return nil, fmt.Errorf("sqlstore: decoding the groups of %s: %w", r.id, err)
		}
	}
	out := make([]any, 0, len(refs))
	for _, ref := range refs {
		out = append(out, groupEntry(ref.Value, ref.Display))
	}
	sortGroups(out)
	return out, nil
}

// groupsColumn is a scalar subquery selecting the groups of the user in
// row r as a JSON array of {"value", "display"} objects (NULL or an empty
// array when there are none), so that a list reads a user and its groups
// at once.
func (s *Store) groupsColumn(t *translator) string {
	agg := "json_agg(json_build_object("
	if !s.db.d.pg() {
		agg = "json_group_array(json_object("
	}
	return "(SELECT " + agg + "'value', m.group_id, 'display', g.display_name)) FROM " +
		s.db.d.memberships(s.db.members, "m", s.db.resources, "g") + " ON g.dir = m.dir AND g.type = " + t.key(s.db.groups.rt.Name) +
		" AND g.id = m.group_id WHERE m.dir = " + t.key(s.dir) + " AND m.member_id = r.id)"
}

// groupEntry is one value of a user's "groups"; display is nil for a group
// without displayName.
func groupEntry(id string, display *string) map[string]any {
	entry := map[string]any{"value": id, "type": "direct"}
	if display != nil {
		entry["display"] = *display
	}
	return entry
}

// sortGroups orders a user's groups by display name, then id.
func sortGroups(out []any) {
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].(map[string]any), out[j].(map[string]any)
		x, _ := a["display"].(string)
		y, _ := b["display"].(string)
		if x != y {
			return x < y
		}
		return a["value"].(string) < b["value"].(string)
	})
}

// split separates a group's members from the attributes stored as JSON and
// drops the computed groups.
func (s *Store) split(in map[string]any) (map[string]any, []map[string]any) {
	attrs := make(map[string]any, len(in))
	for k, v := range in {
		attrs[k] = v
	}
	if s.hasGroups {
		delete(attrs, "groups")
	}
	if !s.hasMembers {
		return attrs, nil
	}
	list, _ := attrs["members"].([]any)
	delete(attrs, "members")
	var members []map[string]any
	for _, m := range list {
		if obj, ok := m.(map[string]any); ok {
			if _, ok := obj["value"].(string); ok {
				members = append(members, obj)
			}
		}
	}
	return attrs, members
}

func str(attrs map[string]any, name string) any {
	if v, ok := attrs[name].(string); ok {
		return v
	}
	return nil
}

// Create stores a new resource with a new id.
func (s *Store) Create(ctx context.Context, r *scim.Resource) (*scim.Resource, error) {
	attrs, members := s.split(r.Attributes)
	data, err := json.Marshal(attrs)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	id := newID()
	fdata, ldata, err := shadows(attrs)
	if err != nil {
		return nil, err
	}
	var out *scim.Resource
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, "INSERT INTO "+s.db.resources+
			" (dir, type, id, version, created, last_modified, user_name, user_name_lower, user_name_fold, external_id, display_name, display_name_fold, data, fdata, ldata)"+
			" VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			s.dir, s.rt.Name, id, s.timeArg(now), s.timeArg(now), str(attrs, "userName"), foldedString(attrs, "userName", filter.FoldString),
			foldedString(attrs, "userName", foldKey), str(attrs, "externalId"), str(attrs, "displayName"),
			foldedString(attrs, "displayName", foldKey), string(data), fdata, ldata)
		if err != nil {
			return s.conflict(err, attrs)
		}
		for _, m := range members {
			if _, err := s.addMember(ctx, tx, id, m); err != nil {
				return err
			}
		}
		out, err = s.readBack(ctx, tx, id, schema.Projection{})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readBack reads a resource inside the transaction that wrote it, so that
// the version returned is the one written, not a later writer's, and a
// concurrent delete cannot turn a committed write into a not-found.
func (s *Store) readBack(ctx context.Context, tx *sql.Tx, id string, p schema.Projection) (*scim.Resource, error) {
	r, err := s.get(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	return s.resource(ctx, tx, r, s.hasMembers && p.Includes(s.rt, "members"), s.hasGroups && p.Includes(s.rt, "groups"))
}

func (s *Store) conflict(err error, attrs map[string]any) error {
	if s.db.d.isUniqueViolation(err) {
		return fmt.Errorf("%w: userName %q is already taken", scim.ErrConflict, attrs["userName"])
	}
	return err
}

// lockMembers locks, on PostgreSQL, the resources that members name
// against a concurrent delete, before the group is locked: a delete locks
// the member, then its groups, so taking them in the same order keeps the
// two from waiting for each other. addMember checks them again.
func (s *Store) lockMembers(ctx context.Context, tx *sql.Tx, members []map[string]any) error {
	if !s.db.d.pg() || len(members) == 0 {
		return nil
	}
	ids := make([]string, 0, len(members))
	for _, m := range members {
		if id, ok := m["value"].(string); ok && id != "" && strings.IndexByte(id, 0) < 0 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		rows, err := s.query(ctx, tx, "SELECT 1 FROM "+s.db.resources+" WHERE dir = CAST(? AS TEXT) AND id = CAST(? AS TEXT) FOR SHARE", s.dir, id)
		if err != nil {
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// addMember adds m to group. The member must be a resource that exists:
// it is checked in the same transaction and, on PostgreSQL, locked against
// a concurrent delete until the transaction ends (a delete locks the row
// for update first), so a deleted resource never stays a member.
func (s *Store) addMember(ctx context.Context, q querier, group string, m map[string]any) (bool, error) {
	mid, _ := m["value"].(string)
	if mid == "" || strings.IndexByte(mid, 0) >= 0 {
		return false, scim.NewError(400, "invalidValue", fmt.Sprintf("member %q is not the id of a resource", mid))
	}
	lock := ""
	if s.db.d.pg() {
		lock = " FOR SHARE"
	}
	var one int
	err := q.QueryRowContext(ctx, s.db.d.Rebind("SELECT 1 FROM "+s.db.resources+" WHERE dir = CAST(? AS TEXT) AND id = CAST(? AS TEXT)"+lock), s.dir, mid).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, scim.NewError(400, "invalidValue", fmt.Sprintf("member %q is not the id of a resource", mid))
	}
	if err != nil {
		return false, err
	}
	data, err := json.Marshal(m)
	if err != nil {
		return false, err
	}
	fdata, ldata, err := shadows(m)
	if err != nil {
		return false, err
	}
	res, err := s.exec(ctx, q, "INSERT INTO "+s.db.members+" (dir, group_id, member_id, data, fdata, ldata) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		s.dir, group, m["value"], string(data), fdata, ldata)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Get returns the resource with the given id; members are read only when
// the projection shows them.
func (s *Store) Get(ctx context.Context, id string, p schema.Projection) (*scim.Resource, error) {
	r, err := s.get(ctx, s.db.db, id, false)
	if err != nil {
		return nil, err
	}
	return s.resource(ctx, s.db.db, r, s.hasMembers && p.Includes(s.rt, "members"), s.hasGroups && p.Includes(s.rt, "groups"))
}

func (s *Store) get(ctx context.Context, q querier, id string, lock bool) (*row, error) {
	// No stored id holds NUL, and PostgreSQL refuses it as a parameter.
	err := sql.ErrNoRows
	var r *row
	if strings.IndexByte(id, 0) < 0 {
		query := "SELECT " + columns + " FROM " + s.db.resources + " r WHERE r.dir = CAST(? AS TEXT) AND r.type = CAST(? AS TEXT) AND r.id = CAST(? AS TEXT)"
		if lock && s.db.d.pg() {
			query += " FOR UPDATE"
		}
		r, err = s.scan(q.QueryRowContext(ctx, s.db.d.Rebind(query), s.dir, s.rt.Name, id))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no %s with id %q", scim.ErrNotFound, s.rt.Name, id)
	}
	return r, err
}

// current reads and locks the resource for a write, checking ifVersion.
func (s *Store) current(ctx context.Context, tx *sql.Tx, id, ifVersion string) (*row, error) {
	r, err := s.get(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	if ifVersion != "" && ifVersion != versionTag(r.version) {
		return nil, fmt.Errorf("%w: %s %s is at version %s, not %s", scim.ErrPreconditionFailed, s.rt.Name, id, versionTag(r.version), ifVersion)
	}
	return r, nil
}

// write stores new attributes for a locked row, bumping its version only
// if nobody else did in between.
func (s *Store) write(ctx context.Context, tx *sql.Tx, r *row, attrs map[string]any) error {
	data, err := json.Marshal(attrs)
	if err != nil {
		return err
	}
	fdata, ldata, err := shadows(attrs)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, tx, "UPDATE "+s.db.resources+
		" SET version = version + 1, last_modified = ?, user_name = ?, user_name_lower = ?, user_name_fold = ?, external_id = ?,"+
		" display_name = ?, display_name_fold = ?, data = ?, fdata = ?, ldata = ? WHERE dir = CAST(? AS TEXT) AND type = CAST(? AS TEXT) AND id = CAST(? AS TEXT) AND version = ?",
		s.timeArg(s.modified(r)), str(attrs, "userName"), foldedString(attrs, "userName", filter.FoldString),
		foldedString(attrs, "userName", foldKey), str(attrs, "externalId"), str(attrs, "displayName"),
		foldedString(attrs, "displayName", foldKey), string(data), fdata, ldata, s.dir, s.rt.Name, r.id, r.version)
	if err != nil {
		return s.conflict(err, attrs)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%w: %s %s changed while it was written", scim.ErrPreconditionFailed, s.rt.Name, r.id)
	}
	return nil
}

// modified is the lastModified of a write: now, and never before created.
func (s *Store) modified(r *row) time.Time {
	now := time.Now().UTC().Truncate(time.Millisecond)
	if now.Before(r.created) {
		return r.created
	}
	return now
}

// touch bumps a resource's version, for a membership change.
func (s *Store) touch(ctx context.Context, q querier, r *row) error {
	_, err := s.exec(ctx, q, "UPDATE "+s.db.resources+" SET version = version + 1, last_modified = ? WHERE dir = CAST(? AS TEXT) AND type = CAST(? AS TEXT) AND id = CAST(? AS TEXT)",
		s.timeArg(s.modified(r)), s.dir, s.rt.Name, r.id)
	return err
}

// Replace stores r in place of the resource with r.ID.
func (s *Store) Replace(ctx context.Context, r *scim.Resource, ifVersion string) (*scim.Resource, error) {
	attrs, members := s.split(r.Attributes)
	write := func(tx *sql.Tx) error {
		if err := s.lockMembers(ctx, tx, members); err != nil {
			return err
		}
		cur, err := s.current(ctx, tx, r.ID, ifVersion)
		if err != nil {
			return err
		}
		if err := s.write(ctx, tx, cur, attrs); err != nil {
			return err
		}
		if !s.hasMembers {
			return nil
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM "+s.db.members+" WHERE dir = CAST(? AS TEXT) AND group_id = CAST(? AS TEXT)", s.dir, r.ID); err != nil {
			return err
		}
		for _, m := range members {
			if _, err := s.addMember(ctx, tx, r.ID, m); err != nil {
				return err
			}
		}
		return nil
	}
	var out *scim.Resource
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := write(tx); err != nil {
			return err
		}
		var err error
		out, err = s.readBack(ctx, tx, r.ID, schema.Projection{})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete removes the resource and its memberships; the groups it was a
// member of get a new version, and each is reported to the server's
// change hooks (scim.ReportChange) after the commit.
func (s *Store) Delete(ctx context.Context, id string, ifVersion string) error {
	groups := s.db.groups.inDirectory(s.dir)
	var changed []*scim.Resource
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		changed = changed[:0] // a run after a deadlock starts again
		// The resource is locked first, then its groups: the order in
		// which a member add locks them (lockMembers), so that the two
		// never wait for each other.
		if _, err := s.current(ctx, tx, id, ifVersion); err != nil {
			return err
		}
		var gids []string
		if groups != nil {
			rows, err := s.query(ctx, tx, "SELECT group_id FROM "+s.db.members+" WHERE dir = CAST(? AS TEXT) AND member_id = CAST(? AS TEXT) ORDER BY group_id", s.dir, id)
			if err != nil {
				return err
			}
			for rows.Next() {
				var gid string
				if err := rows.Scan(&gid); err != nil {
					rows.Close()
					return err
				}
				gids = append(gids, gid)
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM "+s.db.members+" WHERE dir = CAST(? AS TEXT) AND (member_id = CAST(? AS TEXT) OR group_id = CAST(? AS TEXT))", s.dir, id, id); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM "+s.db.resources+" WHERE dir = CAST(? AS TEXT) AND type = CAST(? AS TEXT) AND id = CAST(? AS TEXT)", s.dir, s.rt.Name, id); err != nil {
			return err
		}
		for _, gid := range gids {
			if gid == id {
				continue
			}
			g, err := groups.get(ctx, tx, gid, false)
			if errors.Is(err, scim.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := groups.touch(ctx, tx, g); err != nil {
				return err
			}
			res, err := groups.readBack(ctx, tx, gid, schema.Projection{ExcludedAttributes: []string{"members"}})
			if err != nil {
				return err
			}
			changed = append(changed, res)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Not needed for correctness (a read of a deleted resource finds no
	// row), but the entry is of no more use.
	s.db.snaps.remove(snapKey{dir: s.dir, typ: s.rt.Name, id: id})
	for _, g := range changed {
		scim.ReportChange(ctx, scim.Change{Kind: scim.Patched, ResourceType: groups.rt.Name, ID: g.ID, MembersRemoved: []string{id}, Resource: g})
	}
	return nil
}

// Patch applies req in one transaction. A membership-only request writes
// one row per member it names; any other goes through patch.Apply.
func (s *Store) Patch(ctx context.Context, id string, req *patch.Request, ifVersion string, p schema.Projection) (*scim.Resource, *patch.Result, error) {
	var res *patch.Result
	delta, membersOnly := req.MemberDelta(s.rt)
	membersOnly = membersOnly && s.hasMembers
	apply := func(tx *sql.Tx) error {
		if membersOnly {
			if err := s.lockMembers(ctx, tx, delta.Add); err != nil {
				return err
			}
		}
		cur, err := s.current(ctx, tx, id, ifVersion)
		if err != nil {
			return err
		}
		if membersOnly {
			var rewrote bool
			res, rewrote, err = s.applyDelta(ctx, tx, id, delta)
			if err == nil && rewrote {
				err = s.touch(ctx, tx, cur)
			}
			return err
		}
		full, err := s.resource(ctx, tx, cur, s.hasMembers, false)
		if err != nil {
			return err
		}
		attrs, r, err := patch.Apply(s.rt, full.Attributes, req)
		if err != nil {
			return err
		}
		res = r
		if !r.Changed {
			return nil
		}
		kept, members := s.split(attrs)
		if err := s.write(ctx, tx, cur, kept); err != nil {
			return err
		}
		if !s.hasMembers {
			return nil
		}
		for _, mid := range r.MembersRemoved {
			if _, err := s.exec(ctx, tx, "DELETE FROM "+s.db.members+" WHERE dir = CAST(? AS TEXT) AND group_id = CAST(? AS TEXT) AND member_id = CAST(? AS TEXT)", s.dir, id, mid); err != nil {
				return err
			}
		}
		before := map[string]any{}
		if list, ok := full.Attributes["members"].([]any); ok {
			for _, m := range list {
				if obj, ok := m.(map[string]any); ok {
					before[fmt.Sprint(obj["value"])] = obj
				}
			}
		}
		for _, m := range members {
			old, kept := before[m["value"].(string)]
			switch {
			case !kept:
				_, err = s.addMember(ctx, tx, id, m)
			case !reflect.DeepEqual(old, m):
				// An operation on a member's sub-attribute, such as
				// replace members[value eq "x"].display.
				err = s.rewriteMember(ctx, tx, id, m)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	var out *scim.Resource
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := apply(tx); err != nil {
			return err
		}
		var err error
		out, err = s.readBack(ctx, tx, id, p)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, res, nil
}

// rewriteMember writes the object of a member the group already lists.
func (s *Store) rewriteMember(ctx context.Context, tx *sql.Tx, group string, m map[string]any) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	fdata, ldata, err := shadows(m)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, tx, "UPDATE "+s.db.members+" SET data = ?, fdata = ?, ldata = ? WHERE dir = CAST(? AS TEXT) AND group_id = CAST(? AS TEXT) AND member_id = CAST(? AS TEXT)",
		string(data), fdata, ldata, s.dir, group, m["value"])
	return err
}

// applyDelta changes the member rows of group id as d says. rewrote
// reports whether it deleted or inserted any row: then the group must get
// a new version even when its set of members is the same (a member
// removed and added back comes last, with the data of the add), since
// its representation changed: a client's If-None-Match, and the snapshot
// reads that reuse a group's members while its version stays, rely on
// the version.
func (s *Store) applyDelta(ctx context.Context, tx *sql.Tx, id string, d patch.Delta) (res *patch.Result, rewrote bool, err error) {
	res = &patch.Result{}
	removed := map[string]bool{}
	if d.RemoveAll {
		rows, err := s.query(ctx, tx, "SELECT member_id FROM "+s.db.members+" WHERE dir = CAST(? AS TEXT) AND group_id = CAST(? AS TEXT)", s.dir, id)
		if err != nil {
			return nil, false, err
		}
		for rows.Next() {
			var mid string
			if err := rows.Scan(&mid); err != nil {
				rows.Close()
				return nil, false, err
			}
			removed[mid] = true
		}
		rows.Close()
		if _, err := s.exec(ctx, tx, "DELETE FROM "+s.db.members+" WHERE dir = CAST(? AS TEXT) AND group_id = CAST(? AS TEXT)", s.dir, id); err != nil {
			return nil, false, err
		}
	}
	for _, mid := range d.Remove {
		r, err := s.exec(ctx, tx, "DELETE FROM "+s.db.members+" WHERE dir = CAST(? AS TEXT) AND group_id = CAST(? AS TEXT) AND member_id = CAST(? AS TEXT)", s.dir, id, mid)
		if err != nil {
			return nil, false, err
		}
		if n, _ := r.RowsAffected(); n > 0 {
			removed[mid] = true
		}
	}
	rewrote = len(removed) > 0
	for _, m := range d.Add {
		added, err := s.addMember(ctx, tx, id, m)
		if err != nil {
			return nil, false, err
		}
		rewrote = rewrote || added
		mid := m["value"].(string)
		switch {
		case removed[mid]:
			delete(removed, mid) // removed and added back: no change
		case added:
			res.MembersAdded = append(res.MembersAdded, mid)
		}
	}
	for mid := range removed {
		res.MembersRemoved = append(res.MembersRemoved, mid)
	}
	sort.Strings(res.MembersRemoved)
	res.Changed = len(res.MembersAdded)+len(res.MembersRemoved) > 0
	return res, rewrote, nil
}

// translator returns a translator for this store's resources.
func (s *Store) translator() *translator {
	groupType := "Group"
	if s.db.groups != nil {
		groupType = s.db.groups.rt.Name
	}
	return &translator{d: s.db.d, members: s.db.members, resources: s.db.resources, rt: s.rt, groupType: groupType}
}

// List answers a query in SQL: the filter becomes a WHERE clause, sortBy
// an ORDER BY, and paging LIMIT and OFFSET.
func (s *Store) List(ctx context.Context, q *scim.Query) (*scim.Page, error) {
	found, total, err := s.find(ctx, q, s.hasGroups && q.Projection.Includes(s.rt, "groups"))
	if err != nil {
		return nil, err
	}
	page := &scim.Page{TotalResults: total}
	if len(found) == 0 {
		return page, nil
	}
	return page, s.fill(ctx, page, found, q.Projection)
}

// find reads the rows of the page q selects, undecoded, with the users'
// groups (groupsColumn) when withGroups, and counts the matches.
func (s *Store) find(ctx context.Context, q *scim.Query, withGroups bool) ([]*row, int, error) {
	t := s.translator()
	cond, err := s.matches(t, q.Filter)
	if err != nil {
		return nil, 0, err
	}
	order := "r.seq"
	if q.SortBy != nil {
		key, err := t.sortKey(*q.SortBy)
		if err != nil {
			return nil, 0, err
		}
		// RFC 7644 §3.4.2.3: resources without a value sort last in
		// ascending order and first in descending order. When none has
		// a value (key ""), the order is creation order.
		dir := " ASC"
		if q.Descending {
			dir = " DESC"
		}
		if key != "" {
			order = "(" + key + ") IS NULL" + dir + ", " + key + dir + ", r.seq"
		}
	}
	if q.Count <= 0 {
		total, err := s.count(ctx, q.Filter)
		return nil, total, err
	}
	// The page, with the users' groups computed for its rows only, in
	// one query; the total in a second one. A window function counting
	// the matches in the page's query would make the database read
	// every match, with its document, before it can stop at the page.
	shape := pageShape{cond: cond, order: order, values: len(t.vals), count: q.Count, offset: max(q.StartIndex, 1) - 1, groups: withGroups}
	var groups string
	if withGroups {
		groups = ", " + s.groupsColumn(t) // its values go into t here
	}
	list, args := s.db.pageQuery(t, shape, func() string {
		return "SELECT " + columns + groups + " FROM " + s.db.resources + " r WHERE " + cond +
			" ORDER BY " + order + Limit(shape.count, shape.offset)
	})
	rows, err := s.db.queryContext(ctx, list, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: listing %s: %w", s.rt.Name, err)
	}
	found, err := s.collect(rows, withGroups)
	if err != nil {
		return nil, 0, err
	}
	if len(found) < q.Count && (len(found) > 0 || q.StartIndex <= 1) {
		// A page that is not full holds the last matches.
		return found, max(q.StartIndex, 1) - 1 + len(found), nil
	}
	total, err := s.count(ctx, q.Filter)
	if err != nil {
		return nil, 0, err
	}
	return found, total, nil
}

// pageShape is what decides the text of find's page query: the filter's
// condition and the order, as the translator wrote them (with
// placeholders, not values), the number of values the translator held
// then (which numbers the placeholders of the groups column), the page's
// bounds, and whether the users' groups are read. Two queries of one
// shape differ in their arguments alone.
type pageShape struct {
	cond, order           string
	values, count, offset int
	groups                bool
}

// pageQuery is the text of a page query and, for each of its
// placeholders in order, the index of the translator's value it takes.
type pageQuery struct {
	text string
	vals []int
}

// maxPageQueries bounds the page query cache.
const maxPageQueries = 512

// pageQuery returns the page query of shape with its arguments, the
// values t holds: from the cache when a query of that shape was built
// before, else built by build and finished.
func (db *DB) pageQuery(t *translator, shape pageShape, build func() string) (string, []any) {
	var pq *pageQuery
	if v, ok := db.pages.Load(shape); ok {
		pq = v.(*pageQuery)
	} else {
		text, vals := t.finishIndexes(build())
		pq = &pageQuery{text: text, vals: vals}
		if db.npages.Load() < maxPageQueries {
			if _, loaded := db.pages.LoadOrStore(shape, pq); !loaded {
				db.npages.Add(1)
			}
		}
	}
	return pq.text, t.args(pq.vals)
}

// matches returns the condition on r that selects the store's resources
// that f matches (all of them when f is nil), with its arguments in t.
func (s *Store) matches(t *translator, f filter.Expr) (string, error) {
	cond := "r.dir = " + t.key(s.dir) + " AND r.type = " + t.key(s.rt.Name)
	if f == nil {
		return cond, nil
	}
	where, err := t.expr(f)
	if err != nil {
		return "", err
	}
	return cond + " AND " + where, nil
}

// count returns the number of the store's resources that f matches.
func (s *Store) count(ctx context.Context, f filter.Expr) (int, error) {
	t := s.translator()
	cond, err := s.matches(t, f)
	if err != nil {
		return 0, err
	}
	query, args := t.finish("SELECT COUNT(*) FROM " + s.db.resources + " r WHERE " + cond)
	var n int
	if err := s.db.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: counting %s: %w", s.rt.Name, err)
	}
	return n, nil
}

// collect reads the rows of a query, undecoded: columns, then
// groupsColumn when withGroups.
func (s *Store) collect(rows *sql.Rows, withGroups bool) ([]*row, error) {
	defer rows.Close()
	var found []*row
	for rows.Next() {
		r, err := scanRaw(rows, withGroups)
		if err != nil {
			return nil, err
		}
		found = append(found, r)
	}
	return found, rows.Err()
}

// fill decodes the rows collect read into the page's resources.
func (s *Store) fill(ctx context.Context, page *scim.Page, found []*row, p schema.Projection) error {
	withMembers := s.hasMembers && p.Includes(s.rt, "members")
	withGroups := s.hasGroups && p.Includes(s.rt, "groups")
	for _, r := range found {
		if err := s.decode(r); err != nil {
			return err
		}
		res, err := s.resource(ctx, s.db.db, r, withMembers, withGroups)
		if err != nil {
			return err
		}
		page.Resources = append(page.Resources, res)
	}
	return nil
}

// ListAfter pages in creation order after the position after (a sequence
// number), for cursor pagination.
func (s *Store) ListAfter(ctx context.Context, q *scim.Query, after string) (*scim.Page, string, error) {
	var from int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return nil, "", fmt.Errorf("sqlstore: cursor position %q: %w", after, err)
		}
		from = n
	}
	t := s.translator()
	cond, err := s.matches(t, q.Filter)
	if err != nil {
		return nil, "", err
	}
	page := &scim.Page{}
	base := " FROM " + s.db.resources + " r WHERE " + cond
	count, args := t.finish("SELECT COUNT(*)" + base)
	if err := s.db.db.QueryRowContext(ctx, count, args...).Scan(&page.TotalResults); err != nil {
		return nil, "", err
	}
	if q.Count <= 0 {
		return page, "", nil
	}
	list, args := t.finish("SELECT " + columns + base + " AND r.seq > " + t.arg(from) + " ORDER BY r.seq" + Limit(q.Count+1, 0))
	rows, err := s.db.db.QueryContext(ctx, list, args...)
	if err != nil {
		return nil, "", err
	}
	found, err := s.collect(rows, false)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(found) > q.Count {
		found = found[:q.Count]
		next = strconv.FormatInt(found[len(found)-1].seq, 10)
	}
	return page, next, s.fill(ctx, page, found, q.Projection)
}

func versionTag(v int64) string { return `W/"` + strconv.FormatInt(v, 10) + `"` }

// newID returns a random UUID (version 4).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
