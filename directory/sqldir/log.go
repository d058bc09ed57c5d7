package sqldir

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
	"time"

	"github.com/scimkit/scim/directory"
	"github.com/scimkit/scim/store/sqlstore"
)

// Log keeps every directory's request log in one table,
//
//	<prefix>request_log (seq PRIMARY KEY, dir, time, duration_ns, method,
//	                     path, status, scim_type, user_agent, token_id,
//	                     resource_id, request_body, response_body)
//
// indexed by (dir, seq). Its bound: Query returns at most the Size newest
// entries of a directory, none older than MaxAge. Append is one INSERT;
// the rows beyond the bound are deleted by a trim that runs once every
// TrimEvery appends of a directory (per Log instance), in a statement of
// its own, so that the table holds at most Size + TrimEvery rows per
// directory and instance. A Handler appends from its background writer,
// never on a request's path.
type Log struct {
	sqlDB
	table     string
	size      int
	trimEvery int
	maxAge    time.Duration
	now       func() time.Time

	mu      sync.Mutex
	pending map[string]int // directory id -> appends since its last trim
}

var _ directory.Log = (*Log)(nil)

// LogOptions configure NewLog.
type LogOptions struct {
	// TablePrefix is prepended to the table name ("scim_" when empty).
	TablePrefix string
	// Size is the most entries kept per directory; 0 means 500.
	Size int
	// TrimEvery is how many appends to a directory pass between two
	// trims of its rows; 0 means Size/10 (at least 1).
	TrimEvery int
	// MaxAge drops entries older than it; 0 keeps entries until Size
	// newer ones replace them.
	MaxAge time.Duration
	// Now is the clock MaxAge is measured with; time.Now when nil.
	Now func() time.Time
}

// NewLog creates the log's table in db when it does not exist.
func NewLog(ctx context.Context, db *sql.DB, d sqlstore.Dialect, o LogOptions) (*Log, error) {
	if err := checkDialect(d); err != nil {
		return nil, err
	}
	prefix, err := checkPrefix(o.TablePrefix)
	if err != nil {
		return nil, err
	}
	if o.Size <= 0 {
		o.Size = 500
	}
	if o.TrimEvery <= 0 {
		o.TrimEvery = max(o.Size/10, 1)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Log{sqlDB: sqlDB{db: db, d: d}, table: prefix + "request_log", size: o.Size, trimEvery: o.TrimEvery,
		maxAge: o.MaxAge, now: o.Now, pending: map[string]int{}}
	ts, _, seq, _ := l.types()
	err = l.create(ctx, []string{
		`CREATE TABLE IF NOT EXISTS ` + l.table + ` (
			seq ` + seq + `,
			dir TEXT NOT NULL,
			time ` + ts + ` NOT NULL,
			duration_ns BIGINT NOT NULL,
			method TEXT NOT NULL,
			path TEXT NOT NULL,
			status INTEGER NOT NULL,
			scim_type TEXT NOT NULL,
			user_agent TEXT NOT NULL,
			token_id TEXT NOT NULL,
			resource_id TEXT NOT NULL,
			request_body TEXT NOT NULL,
			response_body TEXT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS ` + l.table + `_dir_seq ON ` + l.table + ` (dir, seq)`,
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Append implements directory.Log: one INSERT, and once every TrimEvery
// appends of the directory a trim after it.
func (l *Log) Append(ctx context.Context, e directory.Entry) error {
	err := l.db.QueryRowContext(ctx, l.rebind("INSERT INTO "+l.table+
		" (dir, time, duration_ns, method, path, status, scim_type, user_agent, token_id, resource_id, request_body, response_body)"+
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq"),
		e.DirectoryID, l.timeArg(e.Time), int64(e.Duration), e.Method, e.Path, e.Status, e.ScimType, e.UserAgent,
		e.TokenID, e.ResourceID, e.RequestBody, e.ResponseBody).Scan(&e.Seq)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.pending[e.DirectoryID]++
	due := l.pending[e.DirectoryID] >= l.trimEvery
	if due {
		delete(l.pending, e.DirectoryID)
	}
	l.mu.Unlock()
	if due {
		return l.Trim(ctx, e.DirectoryID)
	}
	return nil
}

// Trim deletes the entries of directory dirID beyond the bound: all but
// the Size newest, and those older than MaxAge. Append calls it once
// every TrimEvery appends; a host may also call it from a periodic job.
func (l *Log) Trim(ctx context.Context, dirID string) error {
	if l.maxAge > 0 {
		if _, err := l.exec(ctx, "DELETE FROM "+l.table+" WHERE dir = ? AND time < ?", dirID, l.timeArg(l.now().Add(-l.maxAge))); err != nil {
			return err
		}
	}
	_, err := l.exec(ctx, "DELETE FROM "+l.table+" WHERE dir = ? AND seq < ("+l.floor()+")", dirID, dirID)
	return err
}

// floor is a subquery, with the directory as its one parameter, giving
// the Seq of the oldest entry within the bound of Size (0 when there are
// fewer).
func (l *Log) floor() string {
	return "SELECT COALESCE(MIN(seq), 0) FROM (SELECT seq FROM " + l.table + " WHERE dir = ? ORDER BY seq DESC LIMIT " +
		strconv.Itoa(l.size) + ") newest"
}

// Query implements directory.Log. It reads the directory's entries by its
// index, newest first, and never returns one beyond the bound, trimmed
// yet or not.
func (l *Log) Query(ctx context.Context, dirID string, q directory.LogQuery) ([]directory.Entry, error) {
	if q.Limit <= 0 {
		q.Limit = directory.DefaultLogQueryLimit
	}
	where := "dir = ? AND seq >= (" + l.floor() + ")"
	args := []any{dirID, dirID}
	if q.Before > 0 {
		where += " AND seq < ?"
		args = append(args, q.Before)
	}
	if l.maxAge > 0 {
		where += " AND time >= ?"
		args = append(args, l.timeArg(l.now().Add(-l.maxAge)))
	}
	if q.ErrorsOnly {
		where += " AND status >= 400"
	}
	if q.ResourceID != "" {
		where += " AND resource_id = ?"
		args = append(args, q.ResourceID)
	}
	args = append(args, q.Limit)
	rows, err := l.db.QueryContext(ctx, l.rebind("SELECT seq, dir, time, duration_ns, method, path, status, scim_type, user_agent,"+
		" token_id, resource_id, request_body, response_body FROM "+l.table+" WHERE "+where+" ORDER BY seq DESC LIMIT ?"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []directory.Entry
	for rows.Next() {
		var e directory.Entry
		var at nullTime
		var dur int64
		if err := rows.Scan(&e.Seq, &e.DirectoryID, &at, &dur, &e.Method, &e.Path, &e.Status, &e.ScimType, &e.UserAgent,
			&e.TokenID, &e.ResourceID, &e.RequestBody, &e.ResponseBody); err != nil {
			return nil, err
		}
		e.Time, e.Duration = at.t, time.Duration(dur)
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeleteDirectory implements directory.Log.
func (l *Log) DeleteDirectory(ctx context.Context, dirID string) error {
	_, err := l.exec(ctx, "DELETE FROM "+l.table+" WHERE dir = ?", dirID)
	l.mu.Lock()
	delete(l.pending, dirID)
	l.mu.Unlock()
	return err
}
