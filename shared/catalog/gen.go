//go:build ignore

// gen.go writes codes.gen.go from catalog.yaml (see internal/codegen).
package main

import (
	"fmt"
	"os"

	"github.com/esdoctor/esdoctor/shared/catalog/internal/codegen"
)

func main() {
	src, err := os.ReadFile("catalog.yaml")
	if err == nil {
		var out []byte
		if out, err = codegen.Generate(src); err == nil {
			err = os.WriteFile("codes.gen.go", out, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
