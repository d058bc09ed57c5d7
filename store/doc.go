// Package store documents the stores of this module and the contract every
// store keeps; it has no API of its own. A store persists the resources of
// one resource type for a [scim.Server]; the server does routing,
// validation, projection and errors, the store keeps the data.
//
// # The stores
//
//   - [github.com/scimkit/scim/store/memory] keeps users and groups in
//     memory, indexed by userName, externalId and displayName, with
//     constant-time member changes. It needs no setup and keeps nothing
//     across restarts.
//   - [github.com/scimkit/scim/store/sqlstore] keeps them in SQLite (a
//     pure-Go driver, embedded) or PostgreSQL (several servers over one
//     database) through database/sql, with filters, sorting and paging
//     translated to SQL. Its Where and OrderBy translate a filter and a
//     sortBy for a host's own tables.
//   - [github.com/scimkit/scim/store/sqlmap] generates a store over a
//     host's own tables from a declaration of which column holds which
//     attribute; the resource type it serves is trimmed to the mapped
//     attributes, so that /Schemas advertises only what is kept.
//   - [github.com/scimkit/scim/store/storetest] is the conformance suite a
//     store runs from its own tests.
//
// A host with its own users table writes its own store: it implements
// [scim.ResourceStore] and runs storetest.
//
// # The contract
//
// A store implements [scim.ResourceStore] (Create, Get, Replace, Delete and
// List) and is safe for concurrent use. It never sees the HTTP request: the
// server passes a context (which carries the principal) and canonical,
// validated attributes. The store:
//
//   - assigns ids, which are stable, never reused after a delete and never
//     shared between resource types (RFC 7643 section 3.1);
//   - returns copies: a caller may change a returned resource without
//     changing what is stored;
//   - sets meta.created once and meta.lastModified and meta.version on every
//     write, and gives every write a new version;
//   - refuses a Replace or Delete whose ifVersion is not empty and differs
//     from the stored version, changing nothing;
//   - keeps group members that refer to resources that exist, and computes
//     a user's "groups" from the memberships rather than storing it;
//   - signals outcomes with the sentinel errors [scim.ErrNotFound] (404),
//     [scim.ErrConflict] (409 uniqueness; wrap it with a message for the
//     client) and [scim.ErrPreconditionFailed] (412), wrapped or not. Any
//     other error is logged and answered with a generic 500: its text never
//     reaches the client.
//
// # Optional capabilities
//
// The server discovers optional interfaces by type assertion, as
// database/sql does with its drivers:
//
//   - [scim.Patcher] applies a PATCH in the store, atomically (the memory
//     and SQL stores add one member to a large group this way). Without it
//     the server applies PATCH with Get, patch.Apply and Replace, retrying
//     when a concurrent writer changed the version in between.
//   - [scim.CursorLister] pages by cursor (RFC 9865). Without it cursor
//     pagination is not advertised and a request for it is refused with 400
//     invalidValue; index-based paging works with every store.
//   - [scim.SnapshotReader] shares immutable snapshots of its resources
//     for the reads with the default attributes, whose encoded JSON the
//     server keeps beside each snapshot, so that a resource read again
//     unchanged is not copied or encoded again (the memory store keeps
//     one per record; sqlstore keeps a bounded cache checked against the
//     version each read queries). Without it the server reads with Get
//     and List.
//   - [scim.SnapshotWriter] answers POST, PUT and PATCH with the stored
//     resource as a snapshot, taking over the attributes the server hands
//     it instead of copying them; a new version's encoding reuses the old
//     one's for the values they share ([scim.NewSnapshotAfter]). The
//     memory store implements it. Without it the server encodes what
//     Create, Replace and Patch return.
//
// A store that commits a write as a side effect of a request (removing a
// deleted user from its groups, say) reports it with [scim.ReportChange], so
// that change hooks see every committed write.
//
// # Conformance
//
// storetest.Run checks what the server relies on: CRUD, the sentinel
// errors, uniqueness, versions, filters, sorting, paging, projection, group
// membership with a user's computed groups, native PATCH when the store
// implements scim.Patcher, and concurrent writers. Run it with the race
// detector:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Stores {
//			db := newTestDB(t) // fresh, empty stores
//			return storetest.Stores{Users: db.Users(), Groups: db.Groups()}
//		})
//	}
package store

import "github.com/scimkit/scim"

// The import makes the doc links to package scim resolve.
var _ scim.ResourceStore
