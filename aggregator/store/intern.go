package store

import (
	"reflect"
	"unique"
)

// Interning. The model holds one snapshot per node and two exemplars per
// symptom aggregate, decoded from JSON: every node of a fleet spells the
// same setting names, default values, CA subjects and fingerprints, file
// paths and log texts in strings of its own. intern replaces each string
// of what the store keeps with its canonical copy (unique.Make), so that
// equal strings share their bytes: at 10 000 nodes the snapshots' strings
// are mostly the same few thousand. The canonical copies are freed by the
// runtime when no value refers to them any longer.

// intern canonicalises every string reachable from p, a pointer to a
// struct (an event.Snapshot, an event.Symptom): string fields, slice
// elements, map keys and values (maps are rebuilt). It never changes a
// value, only where its bytes live.
func intern(p any) {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	internValue(v.Elem())
}

func internValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() && v.Len() > 0 {
			v.SetString(unique.Make(v.String()).Value())
		}
	case reflect.Pointer:
		if !v.IsNil() {
			internValue(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				internValue(f)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes, not text
		}
		for i := 0; i < v.Len(); i++ {
			internValue(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() || !v.CanSet() || !hasStrings(v.Type()) {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		it := v.MapRange()
		for it.Next() {
			k := reflect.New(v.Type().Key()).Elem()
			k.Set(it.Key())
			internValue(k)
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(it.Value())
			internValue(e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	}
}

// hasStrings reports whether a map type holds strings (in its key or
// its values, directly or in a struct).
func hasStrings(t reflect.Type) bool {
	return t.Key().Kind() == reflect.String || t.Elem().Kind() == reflect.String || t.Elem().Kind() == reflect.Struct ||
		t.Elem().Kind() == reflect.Slice || t.Elem().Kind() == reflect.Pointer
}
