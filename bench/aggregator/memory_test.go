package main

import (
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
	if total != 3145728 {
		t.Errorf("total %d, want 3145728 (records without live bytes count nothing)", total)
	}
	want := []Owner{{"github.com/esdoctor/esdoctor/aggregator/store.applySymptom", 2097152}, {"github.com/nats-io/nats-server/v2/server.(*fileStore).storeRawMsg", 1048576}}
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
