// Package cli is the small command framework the three binaries share:
// subcommands, --help, --format text|json, and the exit codes of the
// contract (0 ok, 1 problems found, 2 usage or input error).
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Version of the build, set by the linker: -ldflags "-X
// github.com/esdoctor/esdoctor/shared/cli.Version=1.2.3" (make build,
// make package). "dev" otherwise.
var Version = "dev"

// PrintVersion prints "prog version" and reports whether args asked for it
// (--version as the only argument).
func PrintVersion(prog string, args []string, stdout io.Writer) bool {
	if len(args) != 1 || (args[0] != "--version" && args[0] != "-version") {
		return false
	}
	fmt.Fprintf(stdout, "%s %s\n", prog, Version)
	return true
}

// Exit codes.
const (
	ExitOK       = 0
	ExitProblems = 1
	ExitUsage    = 2
)

// Env is what a command gets.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	Prog   string // "esdoctor-agent inspect"
}

// Command is one subcommand. Run returns an exit code.
type Command struct {
	Name    string
	Summary string
	Run     func(env *Env, args []string) int
}

// UsageError is returned by flag parsing helpers; it maps to exit code 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef reports a usage or input error: one clear line on stderr, exit 2.
func Usagef(env *Env, format string, args ...any) int {
	fmt.Fprintf(env.Stderr, "%s: %s\n", env.Prog, fmt.Sprintf(format, args...))
	return ExitUsage
}

// Main dispatches to a subcommand.
func Main(prog, summary string, cmds []Command, args []string, stdout, stderr io.Writer) int {
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "%s: %s\n\nUsage: %s COMMAND [flags]\n\nCommands:\n", prog, summary, prog)
		sorted := append([]Command(nil), cmds...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
		for _, c := range sorted {
			fmt.Fprintf(w, "  %-12s %s\n", c.Name, c.Summary)
		}
		fmt.Fprintf(w, "\nRun '%s COMMAND --help' for a command's flags.\n", prog)
	}
	if len(args) == 0 {
		usage(stderr)
		return ExitUsage
	}
	if PrintVersion(prog, args, stdout) {
		return ExitOK
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return ExitOK
	}
	for _, c := range cmds {
		if c.Name == args[0] {
			env := &Env{Stdout: stdout, Stderr: stderr, Stdin: os.Stdin, Prog: prog + " " + c.Name}
			return c.Run(env, args[1:])
		}
	}
	fmt.Fprintf(stderr, "%s: unknown command %q (see '%s --help')\n", prog, args[0], prog)
	return ExitUsage
}

// NewFlagSet returns a flag set that prints its usage on --help and whose
// errors are reported by Parse.
func NewFlagSet(env *Env, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(env.Prog, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(env.Stdout, "Usage: %s %s\n\nFlags:\n", env.Prog, usageLine)
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// Parse parses flags, allowing flags after positional arguments. It returns
// (done, exitCode): done is true when the caller should return exitCode
// (help was printed, or a usage error was reported).
func Parse(env *Env, fs *flag.FlagSet, args []string) (bool, int) {
	// The flag package prints the usage on every error; a usage error is
	// one line on stderr, and only --help prints the usage (on stdout).
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return true, ExitOK
			}
			return true, Usagef(env, "%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
		if len(rest) > 0 && rest[0] == "--" {
			positional = append(positional, rest[1:]...)
			break
		}
	}
	// Re-set the positional args so fs.Args() returns them.
	_ = fs.Parse(append([]string{"--"}, positional...))
	return false, ExitOK
}

// Format is an output format.
type Format string

const (
	FormatText Format = "text"
	FormatJSON Format = "json"
)

// FormatFlag registers --format; the default is text on a terminal and json
// otherwise.
func FormatFlag(fs *flag.FlagSet, out io.Writer) *string {
	def := string(FormatJSON)
	if IsTerminal(out) {
		def = string(FormatText)
	}
	return fs.String("format", def, "output format: text or json (default: text on a terminal, json otherwise)")
}

// CheckFormat validates a --format value.
func CheckFormat(env *Env, f string) (Format, bool) {
	switch strings.ToLower(f) {
	case "text":
		return FormatText, true
	case "json":
		return FormatJSON, true
	}
	Usagef(env, "--format must be text or json, not %q", f)
	return "", false
}

// IsTerminal reports whether w is a character device.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	return st.Mode()&os.ModeCharDevice != 0
}

// ParseNoArgs is Parse for commands that take flags only: a positional
// argument is a usage error.
func ParseNoArgs(env *Env, fs *flag.FlagSet, args []string) (bool, int) {
	if done, code := Parse(env, fs, args); done {
		return true, code
	}
	if fs.NArg() > 0 {
		return true, Usagef(env, "unexpected argument %q", fs.Arg(0))
	}
	return false, ExitOK
}
