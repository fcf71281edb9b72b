package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Owner is a share of the aggregator's Go heap in use, by the first
// function outside the standard library on the allocating stack (the code
// that asked for the memory: the store's fold, the embedded NATS server's
// stream store, the decoder, ...).
type Owner struct {
	Func  string
	Bytes int64
}

// MemBreakdown says where the aggregator's memory goes at one moment:
// the Go runtime's view (from its /metrics) and the heap in use by owner
// (from its heap profile, which samples allocations: the figures are
// estimates, scaled as pprof scales them).
type MemBreakdown struct {
	HeapInuse, StackInuse, HeapIdleKept, OtherSys float64
	Owners                                        []Owner
	HeapProfiled                                  int64
	Err                                           error
}

// memBreakdown reads m (the aggregator's metrics) and its heap profile.
func (p *aggProc) memBreakdown(m scrape) MemBreakdown {
	b := MemBreakdown{HeapInuse: m.sum("go_memstats_heap_inuse_bytes"), StackInuse: m.sum("go_memstats_stack_inuse_bytes"),
		HeapIdleKept: m.sum("go_memstats_heap_idle_bytes") - m.sum("go_memstats_heap_released_bytes")}
	b.OtherSys = m.sum("go_memstats_sys_bytes") - m.sum("go_memstats_heap_sys_bytes") - m.sum("go_memstats_stack_sys_bytes")
	if p.pprofURL == "" {
		b.Err = fmt.Errorf("no pprof address")
		return b
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.pprofURL+"/debug/pprof/heap?debug=1", nil)
	if err != nil {
		b.Err = err
		return b
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Err = fmt.Errorf("heap profile: %w", err)
		return b
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Err = fmt.Errorf("heap profile: %s", resp.Status)
		return b
	}
	b.Owners, b.HeapProfiled, b.Err = heapOwners(resp.Body)
	return b
}

// heapOwners sums the in-use bytes of a heap profile in the legacy text
// form (debug=1: "objects: bytes [alloc objects: alloc bytes] @ pcs" then
// one "#\tpc\tfunc+off\tfile:line" line per frame) by owner.
func heapOwners(r io.Reader) ([]Owner, int64, error) {
	sum := map[string]int64{}
	var total int64
	var cur int64
	rate := 0.0 // the sampling rate (bytes); 0: unscaled
	owner, pool := "", ""
	flush := func() {
		if cur > 0 {
			if owner == "" && pool != "" {
				owner = pool
			}
			if owner == "" {
				owner = "(runtime / standard library only)"
			}
			sum[owner] += cur
			total += cur
		}
		cur, owner, pool = 0, "", ""
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# runtime.MemStats"):
			flush()
			return sortOwners(sum), total, nil
		case strings.HasPrefix(line, "heap profile: "):
			// "heap profile: 3: 3145728 [10: 9437184] @ heap/1048576": the
			// legacy header gives twice the sampling rate.
			if _, r, ok := strings.Cut(line, "@ heap/"); ok {
				if n, err := strconv.ParseFloat(strings.TrimSpace(r), 64); err == nil && n > 0 {
					rate = n / 2
				}
			}
		case strings.Contains(line, " @ ") && !strings.HasPrefix(line, "#"):
			flush()
			// "2: 65536 [5: 163840] @ 0x...": in-use objects and bytes as
			// sampled; scaled as pprof does (each sample stands for
			// 1/(1-e^(-size/rate)) allocations of its size).
			head, _, _ := strings.Cut(line, " [")
			objText, bs, ok := strings.Cut(head, ": ")
			if !ok {
				continue
			}
			objs, err1 := strconv.ParseFloat(strings.TrimSpace(objText), 64)
			bytes, err2 := strconv.ParseFloat(strings.TrimSpace(bs), 64)
			if err1 != nil || err2 != nil || objs <= 0 {
				continue
			}
			scale := 1.0
			if rate > 0 {
				scale = 1 / (1 - math.Exp(-bytes/objs/rate))
			}
			cur = int64(bytes * scale)
		case strings.HasPrefix(line, "#\t") && cur > 0 && owner == "":
			fs := strings.Split(line, "\t")
			if len(fs) < 3 {
				continue
			}
			fn := fs[2]
			if i := strings.LastIndex(fn, "+0x"); i > 0 {
				fn = fn[:i]
			}
			// Outside the standard library: a module path, whose first
			// element has a dot (github.com/..., golang.org/x/...).
			// A sync.Pool's New (nats-server's buffer pools are
			// init.funcN) is named with the code that took the buffer.
			if first, _, ok := strings.Cut(fn, "/"); ok && strings.Contains(first, ".") {
				if pool == "" && strings.Contains(fn, ".init.func") {
					pool = fn
					continue
				}
				owner = fn
				if pool != "" {
					owner += " (pooled: " + pool[strings.LastIndexByte(pool, '/')+1:] + ")"
				}
			}
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return nil, 0, err
	}
	return sortOwners(sum), total, nil
}

func sortOwners(sum map[string]int64) []Owner {
	out := make([]Owner, 0, len(sum))
	for f, b := range sum {
		out = append(out, Owner{f, b})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bytes != out[j].Bytes {
			return out[i].Bytes > out[j].Bytes
		}
		return out[i].Func < out[j].Func
	})
	return out
}

// Print writes the breakdown, the top owners first.
func (b MemBreakdown) Print(w io.Writer, top int) {
	fmt.Fprintf(w, "  Go runtime        heap in use %.0f MiB, goroutine stacks %.0f MiB, idle heap not yet returned %.0f MiB, other runtime %.0f MiB (go_memstats_*, at the window's end)\n",
		mib(uint64(max(b.HeapInuse, 0))), mib(uint64(max(b.StackInuse, 0))), mib(uint64(max(b.HeapIdleKept, 0))), mib(uint64(max(b.OtherSys, 0))))
	if b.Err != nil {
		fmt.Fprintf(w, "  heap owners       unavailable: %v\n", b.Err)
		return
	}
	fmt.Fprintf(w, "  heap owners       %.0f MiB live in the heap profile (sampled), by the first non-standard-library function that allocated it:\n", mib(uint64(b.HeapProfiled)))
	for i, o := range b.Owners {
		if i == top {
			break
		}
		fmt.Fprintf(w, "    %6.1f MiB %4.1f%%  %s\n", mib(uint64(o.Bytes)), 100*float64(o.Bytes)/float64(max(b.HeapProfiled, 1)), shortFunc(o.Func))
	}
}

// shortFunc drops the module prefixes that add nothing.
func shortFunc(f string) string {
	f = strings.TrimPrefix(f, "github.com/esdoctor/esdoctor/")
	return strings.TrimPrefix(f, "github.com/")
}
