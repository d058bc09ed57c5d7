package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/directory"
)

// chromium returns the path of the Chromium binary. In CI (CI set) a
// missing browser fails the test; elsewhere the test is skipped.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: .ci/run installs Debian's chromium package")
	}
	t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
	return ""
}

// browser starts a fresh headless Chromium and returns its context.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	require.NoError(t, chromedp.Do(ctx), "starting chromium")
	return ctx
}

// An administrator creates a directory and a token on the page, the
// identity provider's requests appear in the log, the administrator
// filters to errors, expands one, revokes the token, and the next SCIM
// request is refused: with JavaScript on, and with the page's scripts
// off, which the page must not need.
func TestBrowserProvisioningFlow(t *testing.T) {
	for _, scripts := range []bool{true, false} {
		name := "JavaScript on"
		if !scripts {
			name = "JavaScript off"
		}
		t.Run(name, func(t *testing.T) { provisioningFlow(t, scripts) })
	}
}

func provisioningFlow(t *testing.T, scripts bool) {
	start := time.Now()
	ctx := browser(t)
	if !scripts {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		require.NoError(t, err)
	}
	dirs, err := directory.New(directory.NewMemoryRegistry(), directory.NewMemoryBackend(),
		directory.WithLog(directory.NewMemoryLog(directory.MemoryLogOptions{})),
		directory.WithLogger(quiet()), directory.WithServerOptions(scim.WithLogger(quiet())))
	require.NoError(t, err)
	defer dirs.Close()
	page, err := admin.New(dirs, admin.WithLogger(quiet()))
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/scim/", http.StripPrefix("/scim", dirs))
	mux.Handle("/admin/", http.StripPrefix("/admin", page))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	send := func(method, path, token, body string) int {
		req, err := http.NewRequest(method, srv.URL+"/scim/acme/v2"+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", scim.ContentType)
		req.Header.Set("User-Agent", "Azure-AD-SCIM-Test")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}

	// Create a directory and a token from the page.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin/"),
		chromedp.SendKeys(chromedp.CSS("#new-directory"), "acme"),
		chromedp.Click(chromedp.CSS("#create-directory")),
		chromedp.WaitVisible(chromedp.CSS("#base-url")),
	))
	baseURL, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#base-url")))
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/scim/acme/v2", baseURL)
	copyShown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("button.copy")).display !== "none"`))
	require.NoError(t, err)
	assert.Equal(t, scripts, copyShown, "the copy button is the page's only script, shown by it")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#token-label"), "entra"),
		chromedp.Click(chromedp.CSS("#create-token")),
		chromedp.WaitVisible(chromedp.CSS("#new-token")),
	))
	token, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#new-token")))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(token, directory.TokenPrefix), token)

	// The identity provider sends requests with it.
	assert.Equal(t, 201, send("POST", "/Users", token, `{"schemas":["`+userSchema+`"],"userName":"bjensen","password":"hunter2"}`))
	assert.Equal(t, 409, send("POST", "/Users", token, `{"schemas":["`+userSchema+`"],"userName":"bjensen"}`))
	assert.Equal(t, 200, send("GET", "/Users?filter=userName%20eq%20%22bjensen%22", token, ""))
	require.NoError(t, dirs.FlushLog(context.Background()))

	// They appear in the log; filter to errors; expand one.
	count := chromedp.Evaluate[int](`document.querySelectorAll("#log details.entry").length`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/admin/"), chromedp.Click(chromedp.CSS(`td a`)),
		chromedp.WaitVisible(chromedp.CSS("#log"))))
	all, err := chromedp.Run(ctx, count)
	require.NoError(t, err)
	assert.Equal(t, 3, all, "every request is in the log")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#errors-only")),
		chromedp.Click(chromedp.CSS("#apply-filter")),
		chromedp.WaitVisible(chromedp.CSS("#clear-filter")),
	))
	errorsOnly, err := chromedp.Run(ctx, count)
	require.NoError(t, err)
	assert.Equal(t, 1, errorsOnly, "errors only shows the 409")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#log details.entry summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#log details.entry[open] pre.response`)),
	))
	detail, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#log details.entry[open] .body`)))
	require.NoError(t, err)
	assert.Contains(t, detail, "scimType uniqueness")
	assert.Contains(t, detail, `"userName":"bjensen"`)
	assert.NotContains(t, detail, "hunter2")

	// Revoke the token from the page: the next SCIM request gets 401.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#tokens button.revoke`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#tokens tr.token-row`)),
	))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#tokens tr.token-row").length`))
	require.NoError(t, err)
	assert.Equal(t, 0, rows)
	assert.Equal(t, http.StatusUnauthorized, send("GET", "/Users", token, ""))
	t.Logf("browser flow took %v", time.Since(start).Round(time.Millisecond))
}
