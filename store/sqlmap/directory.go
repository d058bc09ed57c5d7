package sqlmap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// MaxDirectoryIDLength is the longest directory id InDirectory accepts.
const MaxDirectoryIDLength = 128

// InDirectory returns the stores of directory dirID, over the same tables
// as s: the rows whose Directory column holds dirID. The mapping must set
// Table.Directory. A directory id is 1 to MaxDirectoryIDLength letters,
// digits, '-' and '_', as package directory makes them; it is written into
// the stores' SQL as a literal (each directory's statements are their
// own), never taken from a client.
func (s *Stores) InDirectory(dirID string) (*Stores, error) {
	if s.users.t.Directory == "" {
		return nil, errors.New("sqlmap: InDirectory needs a mapping whose tables set Directory")
	}
	if err := checkDirectoryID(dirID); err != nil {
		return nil, err
	}
	out := &Stores{users: s.users.inDirectory(dirID)}
	if s.groups != nil {
		out.groups = s.groups.inDirectory(dirID)
		out.users.peer, out.groups.peer = out.groups, out.users
	}
	return out, nil
}

func (s *Store) inDirectory(dirID string) *Store {
	c := *s
	c.dir = dirID
	return &c
}

// DeleteDirectory deletes every row of the stores' directory: the
// membership rows of its groups and users, then the groups and the users,
// in one transaction. Hidden rows go too.
func (s *Stores) DeleteDirectory(ctx context.Context) error {
	u := s.users
	if u.t.Directory == "" {
		return errors.New("sqlmap: DeleteDirectory needs a mapping whose tables set Directory")
	}
	return u.inTx(ctx, func(tx *sql.Tx) error {
		inDir := func(t Table, key string) string {
			return "SELECT " + key + " FROM " + t.Name + " WHERE " + t.Directory + " = ?"
		}
		var stmts []string
		var args [][]any
		if g := s.groups; g != nil {
			m := g.members
			stmts = append(stmts,
				"DELETE FROM "+m.Table+" WHERE "+m.Group+" IN ("+inDir(g.t, g.key)+")",
				"DELETE FROM "+m.Table+" WHERE "+m.Member+" IN ("+inDir(u.t, u.key)+")",
				"DELETE FROM "+g.t.Name+" WHERE "+g.t.Directory+" = ?")
			args = append(args, []any{g.dir}, []any{u.dir}, []any{g.dir})
		}
		stmts = append(stmts, "DELETE FROM "+u.t.Name+" WHERE "+u.t.Directory+" = ?")
		args = append(args, []any{u.dir})
		for i, stmt := range stmts {
			if _, err := tx.ExecContext(ctx, u.bind(stmt), args[i]...); err != nil {
				return fmt.Errorf("sqlmap: deleting directory %q: %w", u.dir, err)
			}
		}
		return nil
	})
}

func checkDirectoryID(id string) error {
	if id == "" || len(id) > MaxDirectoryIDLength {
		return fmt.Errorf("sqlmap: a directory id has 1 to %d characters", MaxDirectoryIDLength)
	}
	for _, c := range id {
		if !(c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return fmt.Errorf("sqlmap: directory id %q: use letters, digits, '-' and '_'", id)
		}
	}
	return nil
}

// quote returns s as a SQL string literal. Directory ids are checked by
// checkDirectoryID, so this is belt and braces.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
