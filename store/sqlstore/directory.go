package sqlstore

import (
	"context"
	"fmt"
)

// Directories: one DB serves many directories (tenants) from one set of
// tables. Every row carries the directory it belongs to in a dir column
// that leads every index, and every statement of a directory's stores is
// scoped by it: ids, userName uniqueness, filters, sorting, totals, cursor
// positions and group members all stay inside the directory. A member
// that names a resource of another directory is refused as one that does
// not exist. The stores of Open (Users, Groups, Store) serve the default
// directory, whose id is "".

// Directory returns the Users and Groups stores of directory dirID,
// kept in the same tables as every other directory's. Stores are small
// values: calling Directory again for the same id returns stores that
// see the same resources.
func (db *DB) Directory(dirID string) (users, groups *Store) {
	return db.users.inDirectory(dirID), db.groups.inDirectory(dirID)
}

// InDirectory returns a store of the same resource type that keeps the
// resources of directory dirID, for stores made with DB.Store.
func (s *Store) InDirectory(dirID string) *Store { return s.inDirectory(dirID) }

func (s *Store) inDirectory(dirID string) *Store {
	c := *s
	c.dir = dirID
	return &c
}

// DeleteDirectory removes every resource and membership of directory
// dirID in one transaction. Deleting a directory that holds nothing is not
// an error. It does not report changes to hooks: the directory is gone.
func (db *DB) DeleteDirectory(ctx context.Context, dirID string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, table := range []string{db.members, db.resources} {
		if _, err := tx.ExecContext(ctx, db.d.Rebind("DELETE FROM "+table+" WHERE dir = CAST(? AS TEXT)"), dirID); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("sqlstore: deleting directory %q: %w", dirID, err)
		}
	}
	return tx.Commit()
}

// upgrade adds the dir column to tables created before directories
// existed, then creates the indexes, every one led by the directory.
func (db *DB) upgrade(ctx context.Context, prefix string) error {
	if !db.hasDirColumn(ctx) {
		if err := db.migrate(ctx, prefix); err != nil && !db.hasDirColumn(ctx) {
			return fmt.Errorf("sqlstore: adding the directory column: %w", err)
		}
	}
	for _, stmt := range db.d.indexes(prefix) {
		if _, err := db.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sqlstore: creating indexes: %w", err)
		}
	}
	return nil
}

// hasDirColumn reports whether both tables have the dir column.
func (db *DB) hasDirColumn(ctx context.Context) bool {
	for _, table := range []string{db.resources, db.members} {
		rows, err := db.db.QueryContext(ctx, "SELECT dir FROM "+table+" WHERE 1 = 0")
		if err != nil {
			return false
		}
		rows.Close()
	}
	return true
}

// migrate runs the migration in one transaction (both databases have
// transactional DDL), so that a failure leaves the tables as they were.
func (db *DB) migrate(ctx context.Context, prefix string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, stmt := range db.d.migration(prefix) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}
