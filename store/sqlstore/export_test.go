package sqlstore

import "strings"

// Shadows and FoldKey compute the folded columns, for the benchmarks that
// fill the tables directly.
var (
	Shadows = shadows
	FoldKey = foldKey
)

// SnapshotCacheLen returns the number of snapshots db caches.
func SnapshotCacheLen(db *DB) int { return db.snaps.len() }

// TablePrefixOf returns the prefix of db's table names.
func TablePrefixOf(db *DB) string { return strings.TrimSuffix(db.resources, "resources") }
