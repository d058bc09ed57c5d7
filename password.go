package scim

import (
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Passwords (RFC 7643 §4.1.1 "password": writeOnly, returned never) are
// kept only as bcrypt hashes: the server replaces every password a client
// sends, in POST, PUT and PATCH alike, by its hash before a store or a
// change hook sees it. A host that lets users sign in with the password an
// identity provider pushed checks it with VerifyPassword.

// passwordCost is the bcrypt work factor of the hashes the server makes.
const passwordCost = bcrypt.DefaultCost

// maxPasswordBytes is the longest password bcrypt hashes whole.
const maxPasswordBytes = 72

// hashPassword returns the bcrypt hash of a password a client sent.
func hashPassword(password string) (string, error) {
	if len(password) > maxPasswordBytes {
		return "", errors.New("a password may be at most 72 bytes long")
	}
	if password == "" {
		return "", nil // nothing to hide; an empty password is unassigned
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// VerifyPassword reports whether password is the one whose hash a store
// keeps in a resource's "password" attribute. It takes the same time
// whatever the password, and is false for a value that is not a hash the
// server made.
func VerifyPassword(stored, password string) bool {
	if !strings.HasPrefix(stored, "$2") {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(stored), []byte(password)) == nil
}

// ResourcePassword returns the stored password hash of r, for
// VerifyPassword, and whether r has one.
func ResourcePassword(r *Resource) (string, bool) {
	if r == nil {
		return "", false
	}
	s, ok := r.Attributes["password"].(string)
	return s, ok && s != ""
}
