package main

import (
	"math"
	"strings"
	"testing"
)

// A heap profile in the runtime's legacy text form (debug=1), cut down.
const heapText = `heap profile: 3: 3145728 [10: 9437184] @ heap/1048576
2: 2097152 [4: 4194304] @ 0x1 0x2 0x3
#	0x4a1b2c	runtime.mallocgc+0x1c			/usr/lib/go/src/runtime/malloc.go:1000
#	0x4a1b2d	github.com/esdoctor/esdoctor/aggregator/store.applySymptom+0x88	/src/aggregator/store/store.go:250
#	0x4a1b2e	github.com/esdoctor/esdoctor/aggregator/store.(*Store).Apply+0x99	/src/aggregator/store/store.go:130

1: 1048576 [6: 5242880] @ 0x4 0x5
#	0x4a1b30	encoding/json.(*decodeState).literalStore+0x10	/usr/lib/go/src/encoding/json/decode.go:900
#	0x4a1b31	github.com/nats-io/nats-server/v2/server.(*fileStore).storeRawMsg+0x20	/src/server/filestore.go:3000

1: 1048576 [1: 1048576] @ 0x7 0x8
#	0x4a1b40	sync.(*Pool).Get+0x10	/usr/lib/go/src/sync/pool.go:150
#	0x4a1b41	github.com/nats-io/nats-server/v2/server.init.func9+0x20	/src/server/filestore.go:100
#	0x4a1b42	github.com/nats-io/nats-server/v2/server.(*msgBlock).loadMsgs+0x30	/src/server/filestore.go:5000

0: 0 [5: 5242880] @ 0x6
#	0x4a1b32	github.com/esdoctor/esdoctor/aggregator/store.applySymptom+0x88	/src/aggregator/store/store.go:250


# runtime.MemStats
# Alloc = 3145728
`

func TestHeapOwners(t *testing.T) {
	owners, total, err := heapOwners(strings.NewReader(heapText))
	if err != nil {
		t.Fatal(err)
	}
	// Sampled at 512 KiB (heap/1048576 is twice the rate): a sample of
	// 1 MiB objects stands for 1/(1-e^-2) of them.
	scaled := func(b float64) int64 { return int64(b / (1 - math.Exp(-2))) }
	if want := 2*scaled(1<<20) + scaled(2<<20); total != want {
		t.Errorf("total %d, want %d (records without live bytes count nothing)", total, want)
	}
	want := []Owner{{"github.com/esdoctor/esdoctor/aggregator/store.applySymptom", scaled(2 << 20)},
		{"github.com/nats-io/nats-server/v2/server.(*fileStore).storeRawMsg", scaled(1 << 20)},
		{"github.com/nats-io/nats-server/v2/server.(*msgBlock).loadMsgs (pooled: server.init.func9)", scaled(1 << 20)}}
	if len(owners) != len(want) {
		t.Fatalf("owners %+v, want %+v", owners, want)
	}
	for i := range want {
		if owners[i] != want[i] {
			t.Errorf("owner %d: %+v, want %+v", i, owners[i], want[i])
		}
	}
	if _, _, err := heapOwners(strings.NewReader("not a profile\n")); err != nil {
		t.Errorf("text that is not a profile: %v (want no owners, no error)", err)
	}
}
