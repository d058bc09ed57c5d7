package sqlstore

import (
	"errors"
	"strconv"
	"strings"
)

// Dialect is the SQL of one database: SQLite or PostgreSQL. It is a
// value: compare dialects with ==, and pass the constants below.
type Dialect int

// The supported dialects. The zero Dialect is none of them.
const (
	// SQLite, through a database/sql driver such as modernc.org/sqlite.
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL 12 or newer, through a database/sql driver
	// such as github.com/jackc/pgx/v5/stdlib.
	Postgres
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

func (d Dialect) valid() bool { return d == SQLite || d == Postgres }

func (d Dialect) pg() bool { return d == Postgres }

// memberships returns the FROM item that joins the rows of the members
// table, as m, with their groups' rows of the resources table, as g; the
// caller writes the ON clause. On SQLite the memberships come first, by
// the (dir, member_id) index, and each group is found by its key: its
// planner, without statistics, loops over every group of the directory
// instead and looks the member up in each, so that reading a user's
// groups cost the number of groups (820 µs a user with 1,000 groups,
// against 26).
func (d Dialect) memberships(members, m, resources, g string) string {
	if d.pg() {
		return members + " " + m + " JOIN " + resources + " " + g
	}
	return members + " " + m + " INDEXED BY " + members + "_dir_member CROSS JOIN " + resources + " " + g
}

// Rebind turns the "?" placeholders of q into PostgreSQL's $1, $2, ...
// and leaves q as it is for SQLite. q must hold "?" only as placeholders,
// never in a literal.
func (d Dialect) Rebind(q string) string {
	if !d.pg() {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// schema returns the statements that create the tables, idempotently.
func (d Dialect) schema(prefix string) []string {
	r, m := prefix+"resources", prefix+"members"
	seq, data, ts := "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "TEXT"
	if d.pg() {
		seq, data, ts = "BIGSERIAL PRIMARY KEY", "JSONB", "TIMESTAMPTZ"
	}
	// user_name_lower (filter.FoldString of userName) is unique, as the
	// memory store keeps userName unique under case folding; user_name_fold and display_name_fold, the
	// folding keys of fold.go, make "eq" an index lookup; fdata and ldata
	// are data with every string folded (fold.go) and as filter.FoldString
	// keys it. dir is the directory a row belongs to ('' for the default
	// one) and leads every index, so that one directory's lookups,
	// uniqueness and totals never touch another's rows.
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + r + ` (
			seq ` + seq + `,
			dir TEXT NOT NULL DEFAULT '',
			type TEXT NOT NULL,
			id TEXT NOT NULL,
			version BIGINT NOT NULL,
			created ` + ts + ` NOT NULL,
			last_modified ` + ts + ` NOT NULL,
			user_name TEXT,
			user_name_lower TEXT,
			user_name_fold TEXT,
			external_id TEXT,
			display_name TEXT,
			display_name_fold TEXT,
			data ` + data + ` NOT NULL,
			fdata ` + data + ` NOT NULL,
			ldata ` + data + ` NOT NULL,
			UNIQUE (dir, type, id))`,
		`CREATE TABLE IF NOT EXISTS ` + m + ` (
			seq ` + seq + `,
			dir TEXT NOT NULL DEFAULT '',
			group_id TEXT NOT NULL,
			member_id TEXT NOT NULL,
			data ` + data + ` NOT NULL,
			fdata ` + data + ` NOT NULL,
			ldata ` + data + ` NOT NULL,
			UNIQUE (dir, group_id, member_id))`,
	}
}

// indexes returns the statements that create the indexes, every one led
// by the directory, idempotently.
func (d Dialect) indexes(prefix string) []string {
	r, m := prefix+"resources", prefix+"members"
	return []string{
		`CREATE UNIQUE INDEX IF NOT EXISTS ` + r + `_dir_user_name_lower ON ` + r + ` (dir, type, user_name_lower)`,
		`CREATE INDEX IF NOT EXISTS ` + r + `_dir_user_name_fold ON ` + r + ` (dir, type, user_name_fold)`,
		`CREATE INDEX IF NOT EXISTS ` + r + `_dir_external_id ON ` + r + ` (dir, type, external_id)`,
		`CREATE INDEX IF NOT EXISTS ` + r + `_dir_display_name_fold ON ` + r + ` (dir, type, display_name_fold)`,
		`CREATE INDEX IF NOT EXISTS ` + r + `_dir_id ON ` + r + ` (dir, id)`,
		`CREATE INDEX IF NOT EXISTS ` + m + `_dir_member ON ` + m + ` (dir, member_id)`,
	}
}

// migration returns the statements that bring tables created before
// directories existed up to date: a dir column holding the empty string
// (the default directory) and the indexes of the time, which did not lead with the
// directory, dropped. Their table constraints, UNIQUE (type, id) and
// UNIQUE (group_id, member_id), stay: ids are random and never shared, so
// they never refuse a row the new constraints accept.
func (d Dialect) migration(prefix string) []string {
	r, m := prefix+"resources", prefix+"members"
	return []string{
		`ALTER TABLE ` + r + ` ADD COLUMN dir TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE ` + m + ` ADD COLUMN dir TEXT NOT NULL DEFAULT ''`,
		`DROP INDEX IF EXISTS ` + r + `_user_name_lower`,
		`DROP INDEX IF EXISTS ` + r + `_user_name_fold`,
		`DROP INDEX IF EXISTS ` + r + `_external_id`,
		`DROP INDEX IF EXISTS ` + r + `_display_name_fold`,
		`DROP INDEX IF EXISTS ` + r + `_id`,
		`DROP INDEX IF EXISTS ` + m + `_member`,
	}
}

// isUniqueViolation reports whether err is a unique constraint violation.
func (d Dialect) isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		return coded.SQLState() == "23505"
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// jsonKeys returns an expression for the value at keys inside the JSON
// expression base: text for strings, and for SQLite the SQL value of
// numbers and booleans (1 and 0).
func (t *translator) jsonText(base string, keys ...string) string {
	if t.d.pg() {
		expr := base
		for i, k := range keys {
			op := "->"
			if i == len(keys)-1 {
				op = "->>"
			}
			expr = "(" + expr + op + t.arg(k) + ")"
		}
		return expr
	}
	return "json_extract(" + base + ", " + t.arg(jsonPath(keys)) + ")"
}

// jsonRaw returns the JSON value at keys (jsonb in PostgreSQL, JSON text
// in SQLite), for presence tests and array elements.
func (t *translator) jsonRaw(base string, keys ...string) string {
	if t.d.pg() {
		expr := base
		for _, k := range keys {
			expr = "(" + expr + "->" + t.arg(k) + ")"
		}
		return expr
	}
	return "json_extract(" + base + ", " + t.arg(jsonPath(keys)) + ")"
}

// jsonPath is a SQLite JSON path with quoted keys: $."a"."b".
func jsonPath(keys []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, k := range keys {
		b.WriteString(`."` + strings.ReplaceAll(k, `"`, `\"`) + `"`)
	}
	return b.String()
}

// elements returns a FROM item listing the elements of the JSON array at
// keys inside base as rows of a column value.
func (t *translator) elements(alias, base string, keys ...string) string {
	if t.d.pg() {
		return "jsonb_array_elements(CASE WHEN jsonb_typeof(" + t.jsonRaw(base, keys...) + ") = 'array' THEN " +
			t.jsonRaw(base, keys...) + " ELSE '[]'::jsonb END) WITH ORDINALITY AS " + alias + "(value, ord)"
	}
	return "json_each(" + base + ", " + t.arg(jsonPath(keys)) + ") AS " + alias
}

// contains, startsWith and endsWith compare text without LIKE, whose
// case rules differ between databases.
func (t *translator) contains(x, p string) string {
	if t.d.pg() {
		return "strpos(" + x + ", " + p + ") > 0"
	}
	return "instr(" + x + ", " + p + ") > 0"
}

func (t *translator) startsWith(x string, v string) string {
	if t.d.pg() {
		return "left(" + x + ", length(" + t.arg(v) + ")) = " + t.arg(v)
	}
	return "substr(" + x + ", 1, length(" + t.arg(v) + ")) = " + t.arg(v)
}

func (t *translator) endsWith(x string, v string) string {
	if t.d.pg() {
		return "right(" + x + ", length(" + t.arg(v) + ")) = " + t.arg(v)
	}
	return "(length(" + x + ") >= length(" + t.arg(v) + ") AND substr(" + x + ", length(" + x + ") - length(" + t.arg(v) + ") + 1) = " + t.arg(v) + ")"
}

func (t *translator) falseLit() string {
	if t.d.pg() {
		return "FALSE"
	}
	return "0"
}

func (t *translator) trueLit() string {
	if t.d.pg() {
		return "TRUE"
	}
	return "1"
}

// SQLiteDSN returns the data source name, for the modernc.org/sqlite
// driver, of the database file path set up as the store needs it: WAL
// journaling so readers do not block the writer, a busy timeout so that a
// writer waits for another rather than failing, and immediate
// transactions so that several processes sharing one file queue for the
// write lock at BEGIN instead of failing with SQLITE_BUSY when a read
// turns into a write. Open it with sql.Open("sqlite", SQLiteDSN(path)) and
// call SetMaxOpenConns(1): SQLite has one writer at a time.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate"
}
