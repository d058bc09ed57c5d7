package directory

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"
)

// TokenPrefix begins every token the library issues, so that secret
// scanners and people recognise one in a log or a paste.
const TokenPrefix = "scimdir_"

// A Token is a directory's bearer token as the Registry keeps it: its
// public id and a hash, never the token itself.
type Token struct {
	// ID is the token's public id, also written inside the token; it
	// names the token in lists and to RevokeToken.
	ID string
	// DirectoryID is the directory the token opens.
	DirectoryID string
	// Label is what the administrator called it, such as "entra 2025".
	Label string
	// Hash is the SHA-256 digest of the whole token.
	Hash [sha256.Size]byte
	// Created is when the token was issued.
	Created time.Time
	// LastUsed is when it last authenticated a request (zero: never). It
	// is updated at most once per Handler's last-used interval, so it may
	// lag by that much.
	LastUsed time.Time
}

// Tokens are "scimdir_" + id + "." + secret, where id is 12 random bytes
// and secret 32 random bytes, both base64url without padding. The id is
// public: the Registry finds the token by it, and the handler then compares
// the hash of the whole token with the stored one in constant time.
const (
	tokenIDBytes     = 12
	tokenSecretBytes = 32
	tokenIDLen       = 16 // base64url of 12 bytes
	tokenSecretLen   = 43 // base64url of 32 bytes
	tokenLen         = len(TokenPrefix) + tokenIDLen + 1 + tokenSecretLen
)

// newToken returns a fresh token and its id, from crypto/rand.
func newToken() (token, id string, err error) {
	b := make([]byte, tokenIDBytes+tokenSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	id = base64.RawURLEncoding.EncodeToString(b[:tokenIDBytes])
	secret := base64.RawURLEncoding.EncodeToString(b[tokenIDBytes:])
	return TokenPrefix + id + "." + secret, id, nil
}

// tokenID returns the id written in a token, and false when the text is
// not shaped like a token the library issued.
func tokenID(token string) (string, bool) {
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return "", false
	}
	rest := token[len(TokenPrefix):]
	if rest[tokenIDLen] != '.' {
		return "", false
	}
	return rest[:tokenIDLen], true
}

// HashToken returns the digest a Registry keeps for token. SHA-256 without
// a salt or a slow key-derivation function is right here, unlike for
// passwords: a token carries 256 random bits, so no dictionary or
// brute-force search can find it from its hash, and a slow hash would only
// cost every request milliseconds of CPU.
func HashToken(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

// tokenMatches compares the hash of token with want in constant time.
func tokenMatches(token string, want [sha256.Size]byte) bool {
	got := HashToken(token)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
