package scim_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnauthorizedIsAnsweredBeforeTheBody sends a request with a wrong
// token that announces a large body and sends one byte of it: the 401 must
// come at once, and the connection close, instead of the server waiting
// for a body it will never read.
func TestUnauthorizedIsAnsweredBeforeTheBody(t *testing.T) {
	c := newClient(t)
	ts := strings.TrimPrefix(c.base, "http://")
	addr, _, _ := strings.Cut(ts, "/")
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n" +
		"Content-Type: application/scim+json\r\nContent-Length: 100000\r\n\r\n{"))
	require.NoError(t, err)
	// Long enough never to fail on a slow machine; without the fix the
	// answer never comes while the body is missing.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(30*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "no answer while the body is missing")
	defer resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.True(t, resp.Close, "the connection is closed after the 401")
}
