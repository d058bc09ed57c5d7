package sqldir

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"time"

	"github.com/scimkit/scim/directory"
	"github.com/scimkit/scim/store/sqlstore"
)

// Registry keeps directories and token hashes in two tables:
//
//	<prefix>directories (id PRIMARY KEY, name UNIQUE, created)
//	<prefix>tokens      (id PRIMARY KEY, dir, label, hash, created, last_used)
//
// A token is kept as its SHA-256 hash only. LookupToken, the hot path of
// every request, is one indexed join; TouchToken is one update of one row
// by its primary key. It is safe for concurrent use and caches nothing.
type Registry struct {
	sqlDB
	dirs, tokens string
}

var _ directory.Registry = (*Registry)(nil)

// Options configure NewRegistry and NewLog.
type Options struct {
	// TablePrefix is prepended to the table names ("scim_" when empty).
	TablePrefix string
}

// NewRegistry creates the registry's tables in db when they do not exist.
// For SQLite, open db as sqlstore.Open asks (one connection).
func NewRegistry(ctx context.Context, db *sql.DB, d sqlstore.Dialect, o Options) (*Registry, error) {
	if err := checkDialect(d); err != nil {
		return nil, err
	}
	prefix, err := checkPrefix(o.TablePrefix)
	if err != nil {
		return nil, err
	}
	r := &Registry{sqlDB: sqlDB{db: db, d: d}, dirs: prefix + "directories", tokens: prefix + "tokens"}
	ts, bytes, _, collate := r.types()
	err = r.create(ctx, []string{
		`CREATE TABLE IF NOT EXISTS ` + r.dirs + ` (
			id TEXT PRIMARY KEY,
			name TEXT` + collate + ` NOT NULL UNIQUE,
			created ` + ts + ` NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ` + r.tokens + ` (
			id TEXT PRIMARY KEY,
			dir TEXT NOT NULL REFERENCES ` + r.dirs + ` (id) ON DELETE CASCADE,
			label TEXT NOT NULL,
			hash ` + bytes + ` NOT NULL,
			created ` + ts + ` NOT NULL,
			last_used ` + ts + `)`,
		`CREATE INDEX IF NOT EXISTS ` + r.tokens + `_dir ON ` + r.tokens + ` (dir, created)`,
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// CreateDirectory implements directory.Registry.
func (r *Registry) CreateDirectory(ctx context.Context, d directory.Directory) error {
	_, err := r.exec(ctx, "INSERT INTO "+r.dirs+" (id, name, created) VALUES (?, ?, ?)", d.ID, d.Name, r.timeArg(d.Created))
	if sqlstore.AsUniqueViolation(err) != nil {
		return conflict("directory id %q or name %q is taken", d.ID, d.Name)
	}
	return err
}

const dirColumns = "d.id, d.name, d.created"

func scanDirectory(row interface{ Scan(...any) error }, extra ...any) (directory.Directory, error) {
	var d directory.Directory
	var created nullTime
	err := row.Scan(append([]any{&d.ID, &d.Name, &created}, extra...)...)
	d.Created = created.t
	return d, err
}

// Directory implements directory.Registry.
func (r *Registry) Directory(ctx context.Context, id string) (directory.Directory, error) {
	d, err := scanDirectory(r.db.QueryRowContext(ctx, r.rebind("SELECT "+dirColumns+" FROM "+r.dirs+" d WHERE d.id = ?"), id))
	if isNoRows(err) {
		return directory.Directory{}, notFound("no directory %q", id)
	}
	return d, err
}

// DirectoryByName implements directory.Registry.
func (r *Registry) DirectoryByName(ctx context.Context, name string) (directory.Directory, error) {
	d, err := scanDirectory(r.db.QueryRowContext(ctx, r.rebind("SELECT "+dirColumns+" FROM "+r.dirs+" d WHERE d.name = ?"), name))
	if isNoRows(err) {
		return directory.Directory{}, notFound("no directory named %q", name)
	}
	return d, err
}

// ListDirectories implements directory.Registry; a negative limit lists
// them all.
func (r *Registry) ListDirectories(ctx context.Context, after string, limit int) ([]directory.Directory, error) {
	q := "SELECT " + dirColumns + " FROM " + r.dirs + " d WHERE d.name > ? ORDER BY d.name"
	args := []any{after}
	if limit >= 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := r.db.QueryContext(ctx, r.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []directory.Directory{}
	for rows.Next() {
		d, err := scanDirectory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RenameDirectory implements directory.Registry.
func (r *Registry) RenameDirectory(ctx context.Context, id, name string) error {
	res, err := r.exec(ctx, "UPDATE "+r.dirs+" SET name = ? WHERE id = ?", name, id)
	if sqlstore.AsUniqueViolation(err) != nil {
		return conflict("directory name %q is taken", name)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound("no directory %q", id)
	}
	return nil
}

// DeleteDirectory implements directory.Registry: the directory and its
// tokens go in one transaction.
func (r *Registry) DeleteDirectory(ctx context.Context, id string) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, r.rebind("DELETE FROM "+r.tokens+" WHERE dir = ?"), id); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, r.rebind("DELETE FROM "+r.dirs+" WHERE id = ?"), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound("no directory %q", id)
	}
	return tx.Commit()
}

// AddToken implements directory.Registry. The row is written only if the
// directory exists, in the same statement.
func (r *Registry) AddToken(ctx context.Context, t directory.Token) error {
	res, err := r.exec(ctx, "INSERT INTO "+r.tokens+" (id, dir, label, hash, created)"+
		" SELECT ?, id, ?, ?, ? FROM "+r.dirs+" WHERE id = ?",
		t.ID, t.Label, t.Hash[:], r.timeArg(t.Created), t.DirectoryID)
	if sqlstore.AsUniqueViolation(err) != nil {
		return conflict("token id %q is taken", t.ID)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound("no directory %q", t.DirectoryID)
	}
	return nil
}

const tokenColumns = "t.id, t.dir, t.label, t.hash, t.created, t.last_used"

func scanToken(row interface{ Scan(...any) error }, before ...any) (directory.Token, error) {
	var t directory.Token
	var hash []byte
	var created, used nullTime
	if err := row.Scan(append(before, &t.ID, &t.DirectoryID, &t.Label, &hash, &created, &used)...); err != nil {
		return t, err
	}
	if len(hash) != sha256.Size {
		return t, fmt.Errorf("sqldir: token %q has a hash of %d bytes", t.ID, len(hash))
	}
	copy(t.Hash[:], hash)
	t.Created, t.LastUsed = created.t, used.t
	return t, nil
}

// Tokens implements directory.Registry.
func (r *Registry) Tokens(ctx context.Context, dirID string) ([]directory.Token, error) {
	if _, err := r.Directory(ctx, dirID); err != nil {
		return nil, err
	}
	rows, err := r.db.QueryContext(ctx, r.rebind("SELECT "+tokenColumns+" FROM "+r.tokens+" t WHERE t.dir = ? ORDER BY t.created, t.id"), dirID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []directory.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken implements directory.Registry.
func (r *Registry) RevokeToken(ctx context.Context, dirID, tokenID string) error {
	res, err := r.exec(ctx, "DELETE FROM "+r.tokens+" WHERE dir = ? AND id = ?", dirID, tokenID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound("directory %q has no token %q", dirID, tokenID)
	}
	return nil
}

// LookupToken implements directory.Registry: one query joins the
// directory, found by its unique name, with its token, found by its
// primary key and checked to belong to that directory.
func (r *Registry) LookupToken(ctx context.Context, dirName, tokenID string) (directory.Directory, directory.Token, error) {
	var d directory.Directory
	var created nullTime
	row := r.db.QueryRowContext(ctx, r.rebind("SELECT "+dirColumns+", "+tokenColumns+" FROM "+r.dirs+" d JOIN "+r.tokens+
		" t ON t.dir = d.id WHERE d.name = ? AND t.id = ?"), dirName, tokenID)
	t, err := scanToken(row, &d.ID, &d.Name, &created)
	if isNoRows(err) {
		return directory.Directory{}, directory.Token{}, notFound("directory %q has no token %q", dirName, tokenID)
	}
	if err != nil {
		return directory.Directory{}, directory.Token{}, err
	}
	d.Created = created.t
	return d, t, nil
}

// TouchToken implements directory.Registry: one update of one row by its
// primary key, which never moves LastUsed back.
func (r *Registry) TouchToken(ctx context.Context, tokenID string, at time.Time) error {
	_, err := r.exec(ctx, "UPDATE "+r.tokens+" SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used < ?)",
		r.timeArg(at), tokenID, r.timeArg(at))
	return err
}
