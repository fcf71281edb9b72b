package store

import (
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/esdoctor/esdoctor/shared/event"
)

func TestInternKeepsValuesAndSharesBytes(t *testing.T) {
	mk := func() *event.Snapshot {
		// Strings built at run time, so that each snapshot has its own bytes.
		s := func(x string) string { return string(append([]byte(nil), x...)) }
		return &event.Snapshot{Cluster: s("local"), Node: s("local-1"), InspectedAt: time.Unix(100, 0),
			Settings: map[string]event.Setting{s("xpack.security.enabled"): {Value: s("true"), Values: []string{s("a"), s("b")}}},
			Remotes:  []event.Remote{{Alias: s("my"), Seeds: []string{s("127.0.1.2:9443")}}}}
	}
	a, b := mk(), mk()
	want := mk()
	intern(a)
	intern(b)
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("interning changed the value:\n%+v\nwant\n%+v", a, want)
	}
	if unsafe.StringData(a.Cluster) != unsafe.StringData(b.Cluster) || unsafe.StringData(a.Remotes[0].Seeds[0]) != unsafe.StringData(b.Remotes[0].Seeds[0]) {
		t.Error("equal strings of two snapshots do not share their bytes")
	}
	for k, v := range a.Settings {
		for k2, v2 := range b.Settings {
			if unsafe.StringData(k) != unsafe.StringData(k2) || unsafe.StringData(v.Values[1]) != unsafe.StringData(v2.Values[1]) {
				t.Error("map keys or values in structs are not shared")
			}
		}
	}
	sy := &event.Symptom{Symptom: "connect-exception", Text: "x", Fields: map[string]string{"address": "127.0.0.1:9443"}}
	intern(sy)
	if sy.Fields["address"] != "127.0.0.1:9443" || sy.Text != "x" {
		t.Errorf("symptom changed: %+v", sy)
	}
	intern(nil)
	intern((*event.Symptom)(nil))
}
