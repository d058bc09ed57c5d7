package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeBaseURL is the quickstart's base URL as README.md's curl
// walkthrough spells it; the test points it at its own server.
const readmeBaseURL = "http://127.0.0.1:8080/scim/v2"

// TestREADMECurlWalkthrough runs the ```sh block of README.md's "Try it
// with curl" section, unchanged but for its base URL, under sh (dash when
// installed, which has none of bash's extensions) against the handler the
// quickstart serves, with the token the README starts it with. It checks
// the status of every request in order, that the headers the walkthrough
// promises are shown, and that the id it captures from the Location header
// is the one every later request used.
func TestREADMECurlWalkthrough(t *testing.T) {
	lookTool(t, "curl")
	shell, err := exec.LookPath("dash")
	if err != nil {
		shell = lookTool(t, "sh")
	}
	script := readmeBlock(t, "## Try it with curl", "sh")
	require.Equal(t, 1, strings.Count(script, readmeBaseURL), "the walkthrough sets its base URL once")

	users, groups, closeDB, err := openStores(context.Background(), "")
	require.NoError(t, err)
	defer closeDB()
	h, err := newHandler(users, groups, "secret", slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	ts := httptest.NewServer(h)
	defer ts.Close()
	script = strings.Replace(script, readmeBaseURL, ts.URL+"/scim/v2", 1)

	cmd := exec.Command(shell, "-e", "-u", "-c", script)
	cmd.Dir = t.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "stderr: %s\nstdout: %s", stderr.String(), out)
	assert.Empty(t, stderr.String())
	output := strings.ReplaceAll(string(out), "\r", "")

	var statuses []string
	for _, m := range regexp.MustCompile(`(?m)^(?:HTTP/[0-9.]+ )?([1-5][0-9][0-9])\b`).FindAllStringSubmatch(output, -1) {
		statuses = append(statuses, m[1])
	}
	assert.Equal(t, []string{
		"201", // create
		"200", // get
		"200", // filter
		"200", // PUT
		"200", // PATCH deactivate
		"201", // group
		"200", // the user's groups
		"204", // delete
		"404", // gone
	}, statuses, output)

	id := regexp.MustCompile(`(?m)^ID=([0-9A-Za-z_-]+)$`).FindStringSubmatch(output)
	require.Len(t, id, 2, "the walkthrough prints the id it captured: %s", output)
	assert.Contains(t, output, "\nLocation: "+ts.URL+"/scim/v2/Users/"+id[1]+"\n")
	assert.Regexp(t, `(?m)^Etag: W/"[^"]+"$`, output)
	assert.Contains(t, output, `"totalResults":1`)
	assert.Contains(t, output, `"displayName":"Babs Jensen"`)
	assert.Contains(t, output, `"active":false`)
	assert.Regexp(t, `"groups":\[\{[^]]*"display":"Teachers"`, output)
}

// readmeBlock returns the first fenced block of the given language after
// the heading in README.md at the repository root.
func readmeBlock(t *testing.T, heading, lang string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	text := string(readme)
	i := strings.Index(text, "\n"+heading+"\n")
	require.GreaterOrEqual(t, i, 0, "README.md has no %q heading", heading)
	text = text[i:]
	fence := "\n```" + lang + "\n"
	start := strings.Index(text, fence)
	require.GreaterOrEqual(t, start, 0, "no ```%s block after %q", lang, heading)
	text = text[start+len(fence):]
	end := strings.Index(text, "\n```\n")
	require.GreaterOrEqual(t, end, 0, "unterminated ```%s block after %q", lang, heading)
	return text[:end+1]
}

// lookTool finds a program the test runs. Where CI installs it (.ci/run
// sets CI) a missing tool fails the test; elsewhere the test is skipped
// with a message naming the tool.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run installs it", name)
		}
		t.Skipf("%s is not installed: install it to run the README walkthrough", name)
	}
	return path
}
