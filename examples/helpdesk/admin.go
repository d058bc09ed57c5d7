package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/directory"
)

// checkAdminAddr refuses to serve the admin page without a password on
// anything but a loopback address: the page issues SCIM tokens.
func checkAdminAddr(addr, password string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-admin-addr %q: %w", addr, err)
	}
	if password != "" {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-admin-addr %q is not a loopback address: set -admin-password to serve the admin page there", addr)
}

// meterProvider returns an OpenTelemetry meter provider that exports to a
// Prometheus registry, and the /metrics handler of that registry.
func meterProvider() (*sdkmetric.MeterProvider, http.Handler, error) {
	reg := promclient.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, err
	}
	return sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)), promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), nil
}

// adminHandler serves the provisioning page of dirs at / and metrics at
// /metrics, behind HTTP basic auth (user admin) when password is set.
func adminHandler(dirs *directory.Handler, scimBase, password string, metrics http.Handler) (http.Handler, error) {
	var opts []admin.Option
	if scimBase != "" {
		opts = append(opts, admin.WithSCIMBaseURL(scimBase))
	}
	page, err := admin.New(dirs, opts...)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", page)
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	if password == "" {
		return mux, nil
	}
	return basicAuth(mux, "admin", password), nil
}

// basicAuth requires user and password, compared in constant time.
func basicAuth(next http.Handler, user, password string) http.Handler {
	wantUser, wantPass := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(password))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		gotUser, gotPass := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
		if !ok || subtle.ConstantTimeCompare(gotUser[:], wantUser[:])&subtle.ConstantTimeCompare(gotPass[:], wantPass[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="helpdesk admin", charset="UTF-8"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// adminConfig is the -admin-addr and -admin-password of the command line.
type adminConfig struct {
	addr, password string
}

// check refuses an admin address off loopback without a password and,
// when the page is on, installs the Prometheus exporter as the global
// OpenTelemetry meter provider before the SCIM handlers are built. It
// returns the /metrics handler, nil when the page is off.
func (c adminConfig) check() (http.Handler, error) {
	if c.addr == "" {
		return nil, nil
	}
	if err := checkAdminAddr(c.addr, c.password); err != nil {
		return nil, err
	}
	mp, metrics, err := meterProvider()
	if err != nil {
		return nil, err
	}
	otel.SetMeterProvider(mp)
	return metrics, nil
}

// serve starts the admin listener when the page is on and returns its
// address and the function that stops it.
func (c adminConfig) serve(dirs *directory.Handler, scimBase string, metrics http.Handler, logger *slog.Logger) (string, func(), error) {
	if c.addr == "" {
		return "", func() {}, nil
	}
	h, err := adminHandler(dirs, scimBase, c.password, metrics)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("admin listener stopped", "error", err)
		}
	}()
	fmt.Printf("provisioning page at http://%s/\n", ln.Addr())
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
