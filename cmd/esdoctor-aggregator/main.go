// Command esdoctor-aggregator folds the agents' events into a model of
// clusters, nodes and remote connections and runs the diagnosis rules.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "esdoctor-aggregator: not implemented yet")
	os.Exit(2)
}
