// Package directory serves many identity providers from one application:
// each directory (a tenant) has its own SCIM base URL, its own bearer
// tokens, its own data and its own log of recent requests.
//
// A Handler is an http.Handler. Mounted at /scim/, it serves the directory
// named acme at /scim/acme/v2/: it resolves the directory from the URL,
// authenticates the bearer token against that directory's tokens only and
// hands the request to a scim.Server built for that directory alone, over
// the stores its Backend opens for it. Because every directory has its own
// Server and its own stores, ids, uniqueness, filters, totals, cursors,
// bulk references, /Me and change hooks never cross directories, whatever
// a client sends.
//
// Three interfaces split the contract from its use, as database/sql does:
//
//   - Registry keeps directories and their tokens (MemoryRegistry here; a
//     SQL registry lives with the SQL store). Tokens are kept only as
//     SHA-256 hashes.
//   - Backend opens a directory's stores and deletes its data
//     (MemoryBackend gives each directory its own memory.DB). A host places
//     directories on several databases by implementing it.
//   - Log keeps each directory's recent requests, redacted (MemoryLog keeps
//     a bounded ring per directory).
//
// Package directorytest holds the conformance suites every Registry and Log
// implementation runs.
package directory
