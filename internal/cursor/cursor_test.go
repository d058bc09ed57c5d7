package cursor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSigner(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := &Signer{Key: []byte("0123456789abcdef"), Timeout: time.Minute, Now: func() time.Time { return now }}
	c := s.Encode("42", "User?userName pr")
	other := &Signer{Key: []byte("fedcba9876543210"), Timeout: time.Minute, Now: s.Now}
	tests := []struct {
		name    string
		signer  *Signer
		cursor  string
		query   string
		elapsed time.Duration
		want    string
		err     error
	}{
		{"valid", s, c, "User?userName pr", 0, "42", nil},
		{"at the timeout", s, c, "User?userName pr", time.Minute, "42", nil},
		{"expired", s, c, "User?userName pr", time.Minute + time.Second, "", ErrExpired},
		{"other query", s, c, "User", 0, "", ErrInvalid},
		{"other key", other, c, "User?userName pr", 0, "", ErrInvalid},
		{"tampered", s, c[:len(c)-2] + "AA", "User?userName pr", 0, "", ErrInvalid},
		{"garbage", s, "bogus", "User", 0, "", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = time.Unix(1_700_000_000, 0).Add(tt.elapsed)
			got, err := tt.signer.Decode(tt.cursor, tt.query)
			assert.Equal(t, tt.want, got)
			assert.ErrorIs(t, err, tt.err)
		})
	}
}
