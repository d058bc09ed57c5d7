// Package sqldir keeps directories, their tokens and their request logs
// in SQLite or PostgreSQL, beside the resources of package sqlstore:
// Registry implements directory.Registry, Log implements directory.Log
// and Backend implements directory.Backend over one sqlstore.DB, whose
// tables hold every directory's resources scoped by a directory column.
//
// Several Handler instances over one database share everything: a token
// revoked, a directory renamed or deleted through one instance is refused
// by every other on its next request, because the Registry caches nothing.
//
// The package does not import a driver: open the *sql.DB with the driver
// of your choice, as for sqlstore.
package sqldir

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/directory"
	"github.com/scimkit/scim/store/sqlstore"
)

// Backend serves every directory from one sqlstore.DB: the stores of a
// directory are DB.Directory(id), and its data is removed with
// DB.DeleteDirectory.
type Backend struct {
	db *sqlstore.DB
}

var _ directory.Backend = (*Backend)(nil)

// NewBackend returns a Backend over db.
func NewBackend(db *sqlstore.DB) *Backend { return &Backend{db: db} }

// Stores implements directory.Backend.
func (b *Backend) Stores(_ context.Context, dirID string) (users, groups scim.ResourceStore, err error) {
	u, g := b.db.Directory(dirID)
	return u, g, nil
}

// DeleteData implements directory.Backend.
func (b *Backend) DeleteData(ctx context.Context, dirID string) error {
	return b.db.DeleteDirectory(ctx, dirID)
}

// sqlDB is the SQL shared by the Registry and the Log.
type sqlDB struct {
	db *sql.DB
	d  sqlstore.Dialect
}

// rebind turns "?" placeholders into PostgreSQL's $1, $2, ...; the
// statements of this package hold no other "?".
func (s sqlDB) rebind(q string) string { return s.d.Rebind(q) }

func (s sqlDB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, s.rebind(q), args...)
}

// timeFormat stores times in SQLite as fixed-width text, so that text
// order is time order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func (s sqlDB) timeArg(t time.Time) any {
	if s.d == sqlstore.Postgres {
		return t.UTC()
	}
	return t.UTC().Format(timeFormat)
}

// nullTime is a time column that may be NULL, from either database.
type nullTime struct{ t time.Time }

func (n *nullTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		n.t = time.Time{}
	case time.Time:
		n.t = v.UTC()
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	default:
		return fmt.Errorf("sqldir: unexpected time value %T", v)
	}
	return nil
}

func (n *nullTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	n.t = t.UTC()
	return err
}

// types returns the column types of the dialect: a timestamp, bytes, an
// auto-increment primary key, and the collation that makes names sort
// bytewise as Go compares strings.
func (s sqlDB) types() (ts, bytes, seq, collate string) {
	if s.d == sqlstore.Postgres {
		return "TIMESTAMPTZ", "BYTEA", "BIGSERIAL PRIMARY KEY", ` COLLATE "C"`
	}
	return "TEXT", "BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT", ""
}

func (s sqlDB) create(ctx context.Context, stmts []string) error {
	for _, stmt := range stmts {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sqldir: creating tables: %w", err)
		}
	}
	return nil
}

func checkPrefix(prefix string) (string, error) {
	if prefix == "" {
		prefix = "scim_"
	}
	for _, c := range prefix {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return "", fmt.Errorf("sqldir: table prefix %q: use lower-case letters, digits and _", prefix)
		}
	}
	return prefix, nil
}

func checkDialect(d sqlstore.Dialect) error {
	if d != sqlstore.SQLite && d != sqlstore.Postgres {
		return fmt.Errorf("sqldir: unknown dialect %v: use sqlstore.SQLite or sqlstore.Postgres", d)
	}
	return nil
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{scim.ErrNotFound}, args...)...)
}

func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{scim.ErrConflict}, args...)...)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
