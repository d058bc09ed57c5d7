package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/pgtest"
)

// TestDeadlockVictimIsRunAgain makes two transactions lock two rows in
// opposite orders, so that PostgreSQL aborts one of them as a deadlock
// victim: inTx runs the victim again, and both writes succeed.
func TestDeadlockVictimIsRunAgain(t *testing.T) {
	db, prefix := pgtest.Open(t)
	table := prefix + "deadlock"
	_, err := db.Exec("CREATE TABLE " + table + " (id INT PRIMARY KEY, n INT NOT NULL)")
	require.NoError(t, err)
	_, err = db.Exec("INSERT INTO " + table + " VALUES (1, 0), (2, 0)")
	require.NoError(t, err)

	s := &Store{db: &DB{db: db, d: Postgres}}
	var attempts atomic.Int32
	var locked sync.WaitGroup
	locked.Add(2)
	write := func(first, second int) error {
		once := sync.Once{}
		return s.inTx(context.Background(), func(tx *sql.Tx) error {
			attempts.Add(1)
			if _, err := tx.Exec("UPDATE "+table+" SET n = n + 1 WHERE id = $1", first); err != nil {
				return err
			}
			once.Do(func() { locked.Done(); locked.Wait() }) // both hold their first row
			_, err := tx.Exec("UPDATE "+table+" SET n = n + 1 WHERE id = $1", second)
			return err
		})
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = write(1, 2) }()
	go func() { defer wg.Done(); errs[1] = write(2, 1) }()
	wg.Wait()
	assert.NoError(t, errs[0])
	assert.NoError(t, errs[1])
	// At least the victim's second run; on a loaded machine PostgreSQL's
	// deadlock checks may pick a victim more than once before both pass.
	assert.GreaterOrEqual(t, attempts.Load(), int32(3), "the deadlock victim ran again")
	var n1, n2 int
	require.NoError(t, db.QueryRow("SELECT (SELECT n FROM "+table+" WHERE id = 1), (SELECT n FROM "+table+" WHERE id = 2)").Scan(&n1, &n2))
	assert.Equal(t, []int{2, 2}, []int{n1, n2}, "both writes are committed once")
}
