package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report prints the table and the targets.
type report struct {
	cfg    *config
	runs   []*scenarioRun
	memory []memoryUse
	pinned string
}

// find returns the run of scenario sc against the target of kind (raw or
// not) holding users users (any number when 0), or nil.
func (rep *report) find(kind string, raw bool, users int, sc string) *scenarioRun {
	for _, r := range rep.runs {
		if r.target.kind == kind && r.target.raw == raw && (users == 0 || r.target.users == users) && r.scenario.name == sc {
			return r
		}
	}
	return nil
}

// cpuPerRequest is the server process's CPU time per request served, or
// -1 when unknown.
func (r *scenarioRun) cpuPerRequest() time.Duration {
	if !r.cpuKnown || r.requests == 0 {
		return -1
	}
	return r.cpu / time.Duration(r.requests)
}

func (r *scenarioRun) perRequest(v uint64) float64 {
	if r.requests == 0 {
		return 0
	}
	return float64(v) / float64(r.requests)
}

// yardstick returns the pre-encoded bare handler's run of r's scenario.
func (rep *report) yardstick(r *scenarioRun) *scenarioRun {
	return rep.find(kindBare, false, 0, r.scenario.name)
}

// rawOf returns the raw query's run of r's scenario on r's database, for a
// SQL store's run.
func (rep *report) rawOf(r *scenarioRun) *scenarioRun {
	if r.target.raw || (r.target.kind != kindSQLite && r.target.kind != kindPostgres) {
		return nil
	}
	return rep.find(r.target.kind, true, 0, r.scenario.name)
}

// rateRatio is a's rate over b's, the median over the rounds of the ratio
// in each round: the two ran one after the other in every round, so a
// busy spell of a shared machine that slows one round slows both sides
// of its ratio. 0 when a round has no rate.
func rateRatio(a, b *scenarioRun) float64 {
	if len(a.rates) != len(b.rates) || len(a.rates) == 0 {
		return 0
	}
	ratios := make([]float64, len(a.rates))
	for i := range a.rates {
		if a.rates[i] <= 0 || b.rates[i] <= 0 {
			return 0
		}
		ratios[i] = a.rates[i] / b.rates[i]
	}
	return median(ratios)
}

func formatRatio(x float64) string {
	if x <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", x)
}

func (rep *report) scenarioLabel(name string) string {
	if name == scBigGroup {
		return "member add+remove, " + count(rep.cfg.bigGroup)
	}
	return name
}

func (rep *report) print(w io.Writer) {
	cfg := rep.cfg
	fmt.Fprintf(w, "SCIM load test: `go run ./loadtest %s`\n\n", strings.Join(cfg.args, " "))
	fmt.Fprintf(w, "%d connections, %d rounds of %s per scenario, %s; servers at GOMAXPROCS %d; %d CPUs, %s/%s, %s\n\n",
		cfg.concurrency, cfg.rounds, cfg.duration, rep.pinned, cfg.serverProcs, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintln(w, "| server | scenario | req/s | × bare | × raw | CPU µs/req | × bare CPU | allocs/req | B/req | p50 ms | p99 ms | requests | errors |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rep.runs {
		bareRate, bareCPU := "", ""
		if y := rep.yardstick(r); y != nil {
			bareRate = formatRatio(rateRatio(r, y))
			if c := r.cpuPerRequest(); c > 0 {
				bareCPU = formatRatio(float64(y.cpuPerRequest()) / float64(c))
			}
		}
		rawRate := ""
		if raw := rep.rawOf(r); raw != nil {
			rawRate = formatRatio(rateRatio(r, raw))
		}
		cpu := ""
		if c := r.cpuPerRequest(); c >= 0 {
			cpu = fmt.Sprintf("%.1f", float64(c)/float64(time.Microsecond))
		}
		fmt.Fprintf(w, "| %s | %s | %.0f | %s | %s | %s | %s | %.0f | %.0f | %s | %s | %d | %d |\n",
			r.target.label(), rep.scenarioLabel(r.scenario.name), r.rate(), bareRate, rawRate, cpu, bareCPU,
			r.perRequest(r.mallocs), r.perRequest(r.bytes), ms(r.percentile(0.50)), ms(r.percentile(0.99)), r.requests, r.errors)
	}
	fmt.Fprintln(w, "\n× bare: requests per second over those of the pre-encoded bare handler in the same scenario")
	fmt.Fprintln(w, "(the median over the rounds of each round's ratio, the two having run one after the other);")
	fmt.Fprintln(w, "× raw: the same over the raw indexed query on the same database; × bare CPU: the bare handler's")
	fmt.Fprintln(w, "CPU time per request over this server's (above 1 is cheaper than bare). CPU time and allocations")
	fmt.Fprintln(w, "are the server process's own (getrusage, runtime.MemStats) divided by the requests of the rounds;")
	fmt.Fprintln(w, "PostgreSQL's own CPU is not in them.")
	for _, r := range rep.runs {
		if r.errors > 0 {
			fmt.Fprintf(w, "\nerrors in %s, %s: first: %s\n", r.target.label(), r.scenario.name, r.firstErr)
		}
	}

	fmt.Fprintln(w, "\nmemory store, heap per user after GC (growth while loading the users, divided by their number;")
	fmt.Fprintln(w, "the verdict uses HeapAlloc, the live bytes; HeapInuse adds the free slots of spans shared with")
	fmt.Fprintln(w, "the garbage of loading, which later allocations reuse):")
	fmt.Fprintln(w)
	for _, m := range rep.memory {
		fmt.Fprintf(w, "- %s users: HeapInuse %.0f B/user, HeapAlloc %.0f B/user\n", count(m.users), m.inusePerUser(), m.allocPerUser())
	}

	fmt.Fprintln(w, "\ntargets (rates over the pre-encoded bare handler's, memory store of the first size):")
	fmt.Fprintln(w)
	verdict := func(ok bool) string {
		if ok {
			return "MET   "
		}
		return "MISSED"
	}
	small, large := cfg.users[0], slices.Max(cfg.users)
	for _, t := range []struct {
		sc  string
		min float64
	}{{scGet, 0.75}, {scUserName, 0.7}, {scExternalID, 0.7}, {scList, 0.4}, {scCreate, 0.7},
		{scEntra, 0.8}, {scRFC, 0.8}, {scSmallGroup, 0.5}, {scBigGroup, 0.5}} {
		r := rep.find(kindMemory, false, small, t.sc)
		y := rep.find(kindBare, false, 0, t.sc)
		if r == nil || y == nil || y.rate() == 0 {
			continue
		}
		x := rateRatio(r, y)
		fmt.Fprintf(w, "- %s %s >= %.2fx bare: %.0f req/s vs %.0f req/s, %.2fx (CPU %s vs %s µs/req)\n",
			verdict(x >= t.min), rep.scenarioLabel(t.sc), t.min, r.rate(), y.rate(), x, us(r.cpuPerRequest()), us(y.cpuPerRequest()))
	}
	for _, kind := range []string{kindSQLite, kindPostgres} {
		r, raw := rep.find(kind, false, 0, scUserName), rep.find(kind, true, 0, scUserName)
		if r == nil || raw == nil || r.rate() == 0 {
			continue
		}
		x := rateRatio(raw, r) // cost ratio: time per request
		fmt.Fprintf(w, "- %s %s userName eq <= 1.5x the raw indexed query: %.0f req/s vs %.0f req/s, %.2fx the cost\n",
			verdict(x <= 1.5), kind, r.rate(), raw.rate(), x)
	}
	if large != small {
		a, b := rep.find(kindMemory, false, small, scUserName), rep.find(kindMemory, false, large, scUserName)
		x := rateRatio(b, a)
		fmt.Fprintf(w, "- %s userName eq at %s users >= 0.9x at %s: %.0f req/s vs %.0f req/s, %.2fx\n",
			verdict(x >= 0.9), count(large), count(small), b.rate(), a.rate(), x)
	}
	for _, t := range []struct {
		kind  string
		users int
	}{{kindMemory, large}, {kindSQLite, 0}, {kindPostgres, 0}} {
		a, b := rep.find(t.kind, false, t.users, scSmallGroup), rep.find(t.kind, false, t.users, scBigGroup)
		if a == nil || b == nil || b.rate() == 0 {
			continue
		}
		x := rateRatio(a, b) // cost ratio: time per request
		fmt.Fprintf(w, "- %s member add at %s members <= 1.5x at 100 (%s): %.0f req/s vs %.0f req/s, %.2fx the cost\n",
			verdict(x <= 1.5), count(cfg.bigGroup), b.target.label(), b.rate(), a.rate(), x)
	}
	for _, m := range rep.memory {
		fmt.Fprintf(w, "- %s <= 2 KB resident per typical user (memory, %s users): %.0f B live (HeapAlloc); %.0f B of spans in use (HeapInuse)\n",
			verdict(m.allocPerUser() <= 2048), count(m.users), m.allocPerUser(), m.inusePerUser())
	}
}

func us(d time.Duration) string {
	if d < 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f", float64(d)/float64(time.Microsecond))
}
