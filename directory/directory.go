package directory

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

// A Directory is a tenant: one identity provider's users and groups, served
// at its own base URL with its own tokens.
type Directory struct {
	// ID is random, URL-safe and never changes: data, tokens and the
	// request log are keyed by it.
	ID string
	// Name is the directory's URL segment: the directory named acme is
	// served at {mount}/acme/v2/. It is unique, valid by ValidateName and
	// may be changed with Handler.RenameDirectory.
	Name string
	// Created is when the directory was created.
	Created time.Time
}

// MaxNameLength is the longest directory name.
const MaxNameLength = 63

// reserved are names that would be confused with a SCIM path or with the
// routes a host mounts beside the directories (the single-directory
// server at /scim/v2/, an admin page).
var reserved = map[string]bool{
	"scim": true, "users": true, "groups": true, "me": true, "bulk": true,
	"schemas": true, "resourcetypes": true, "serviceproviderconfig": true,
	"admin": true, "api": true, "default": true, "directories": true,
}

// ValidateName reports whether name can name a directory: 1 to 63
// lowercase letters, digits and hyphens, starting and ending with a letter
// or a digit, and not a reserved word (a SCIM version such as "v2", a SCIM
// endpoint such as "users", or "admin", "api", "default", "scim",
// "directories"). The error is a SCIM 400 invalidValue.
func ValidateName(name string) error {
	if name == "" || len(name) > MaxNameLength {
		return scim.NewError(http.StatusBadRequest, "invalidValue",
			fmt.Sprintf("a directory name has 1 to %d characters", MaxNameLength))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(name)-1:
		default:
			return scim.NewError(http.StatusBadRequest, "invalidValue",
				fmt.Sprintf("directory name %q: use lowercase letters, digits and inner hyphens", name))
		}
	}
	if reserved[name] || isVersion(name) {
		return scim.NewError(http.StatusBadRequest, "invalidValue",
			fmt.Sprintf("directory name %q is reserved", name))
	}
	return nil
}

// isVersion reports whether name looks like an API version ("v1", "v2").
func isVersion(name string) bool {
	if len(name) < 2 || name[0] != 'v' {
		return false
	}
	for i := 1; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return false
		}
	}
	return true
}

// randomID returns n random bytes from crypto/rand, base64url-encoded.
func randomID(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newDirectoryID returns a fresh directory id: 16 random bytes, URL-safe.
func newDirectoryID() (string, error) { return randomID(16) }

type directoryKey struct{}

// Principal is the principal of a request a Handler authenticated, as
// scim.PrincipalFromContext returns it to stores, change hooks and a
// MeResolver.
type Principal struct {
	// Directory is the directory the request addressed.
	Directory Directory
	// TokenID and TokenLabel name the token that authenticated it.
	TokenID, TokenLabel string
}

// FromContext returns the directory of the request a Handler serves, as
// stores and change hooks see it in their context, and whether there is
// one.
func FromContext(ctx context.Context) (Directory, bool) {
	d, ok := ctx.Value(directoryKey{}).(Directory)
	return d, ok
}

// NewContext returns a context carrying d, as the Handler passes it to
// stores and hooks; it is useful in a store's tests.
func NewContext(ctx context.Context, d Directory) context.Context {
	return context.WithValue(ctx, directoryKey{}, d)
}

// normalizeName lowercases a name taken from a URL, so that an identity
// provider configured with /Acme/v2 reaches the directory acme.
func normalizeName(s string) string { return strings.ToLower(s) }
