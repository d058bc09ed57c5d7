// Package cursor signs and checks pagination cursors (RFC 9865): opaque
// tokens that carry a store's position, when they were issued and the
// query they belong to, signed so that a client can neither forge a
// position nor replay a cursor with another query.
package cursor

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Errors of Decode.
var (
	// ErrInvalid: the cursor was not issued by this signer for this query.
	ErrInvalid = errors.New("cursor: not valid for this request")
	// ErrExpired: the cursor is older than the signer's timeout.
	ErrExpired = errors.New("cursor: expired")
)

// Signer issues and checks cursors with one key.
type Signer struct {
	// Key signs the cursors.
	Key []byte
	// Timeout is how long a cursor stays valid.
	Timeout time.Duration
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// token is what a cursor carries.
type token struct {
	Position string `json:"p"`
	Issued   int64  `json:"t"`
	Query    string `json:"q"`
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Signer) sign(data []byte) []byte {
	mac := hmac.New(sha256.New, s.Key)
	mac.Write(data)
	return mac.Sum(nil)
}

// Encode returns a cursor for the position of the query named query.
func (s *Signer) Encode(position, query string) string {
	data, _ := json.Marshal(token{Position: position, Issued: s.now().Unix(), Query: query})
	return base64.RawURLEncoding.EncodeToString(data) + "." + base64.RawURLEncoding.EncodeToString(s.sign(data))
}

// Decode returns the position a cursor carries. It returns ErrInvalid for
// a cursor that is malformed, not signed with the key or issued for
// another query, and ErrExpired for one older than the timeout.
func (s *Signer) Decode(cursor, query string) (string, error) {
	payload, sig, ok := strings.Cut(cursor, ".")
	data, err1 := base64.RawURLEncoding.DecodeString(payload)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil {
		return "", ErrInvalid
	}
	var t token
	if !hmac.Equal(got, s.sign(data)) || json.Unmarshal(data, &t) != nil || t.Query != query {
		return "", ErrInvalid
	}
	if s.now().Sub(time.Unix(t.Issued, 0)) > s.Timeout {
		return "", ErrExpired
	}
	return t.Position, nil
}
