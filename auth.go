package scim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"github.com/scimkit/scim/scimerr"
	"net/http"
	"strings"
)

// An Authenticator decides who sent a request. It returns the principal
// (any value the host chooses: a client name, a tenant, a token's claims),
// which reaches stores and change hooks through PrincipalFromContext. An
// error rejects the request: an *Error is sent as it is (for example a 403),
// any other error becomes 401 with a WWW-Authenticate header.
type Authenticator interface {
	Authenticate(r *http.Request) (principal any, err error)
}

// AuthenticatorFunc adapts a function to the Authenticator interface.
type AuthenticatorFunc func(r *http.Request) (any, error)

// Authenticate calls f(r).
func (f AuthenticatorFunc) Authenticate(r *http.Request) (any, error) { return f(r) }

type principalKey struct{}

// PrincipalFromContext returns the principal that authenticated the
// request, as the Authenticator returned it or as named by WithBearerToken,
// and whether there is one.
func PrincipalFromContext(ctx context.Context) (any, bool) {
	p := ctx.Value(principalKey{})
	return p, p != nil
}

// ContextWithPrincipal returns a context carrying principal, as the Server
// passes it to stores; it is useful in a store's tests.
func ContextWithPrincipal(ctx context.Context, principal any) context.Context {
	return context.WithValue(ctx, principalKey{}, principal)
}

// bearerToken is an accepted token, kept as a SHA-256 digest so that every
// comparison has the same length and takes the same time.
type bearerToken struct {
	// principal is the token's name, held as the interface value handed
	// to the context so that a request does not box it again.
	principal any
	digest    [sha256.Size]byte
}

func newBearerToken(principal, token string) bearerToken {
	return bearerToken{principal: any(principal), digest: sha256.Sum256([]byte(token))}
}

// bearerAuthenticator accepts any of several bearer tokens.
type bearerAuthenticator []bearerToken

var errUnauthorized = &Error{Code: scimerr.Unauthorized, Detail: "a valid bearer token is required"}

// Authenticate compares the request's token with every accepted token in
// constant time, without stopping at the first match.
func (b bearerAuthenticator) Authenticate(r *http.Request) (any, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, errUnauthorized
	}
	digest := sha256.Sum256([]byte(strings.TrimSpace(token)))
	found := -1
	for i := range b {
		if subtle.ConstantTimeCompare(digest[:], b[i].digest[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, errUnauthorized
	}
	return b[found].principal, nil
}
