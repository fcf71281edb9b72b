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

	"golang.org/x/term"

	"github.com/esdoctor/esdoctor/shared/version"
)

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
	stdout, stderr = EscapeControls(stdout), EscapeControls(stderr)
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "%s: %s\n\nUsage: %s COMMAND [flags]\n\nCommands:\n", prog, summary, prog)
		sorted := append([]Command(nil), cmds...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
		for _, c := range sorted {
			fmt.Fprintf(w, "  %-12s %s\n", c.Name, c.Summary)
		}
		fmt.Fprintf(w, "\nRun '%s COMMAND --help' for a command's flags, '%s --version' for the build.\n", prog, prog)
	}
	if len(args) == 0 {
		usage(stderr)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return ExitOK
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, version.Line(prog))
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

// IsTerminal reports whether w (or r) is a terminal: not a file, a pipe or
// /dev/null, which are character devices too.
func IsTerminal(w any) bool {
	if e, ok := w.(escapeWriter); ok {
		w = e.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
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

// escapeWriter writes what it is given with every control character except
// newline and tab made visible as \u00XX (C0, DEL and the C1 range), so that
// a log line or a setting value holding terminal escape sequences
// ("\x1b]0;...\a\x1b[2J") cannot drive the terminal. The escape is also valid
// inside a JSON string, where a raw control character cannot appear.
type escapeWriter struct{ w io.Writer }

// EscapeControls wraps w (see escapeWriter).
func EscapeControls(w io.Writer) io.Writer {
	if _, ok := w.(escapeWriter); ok {
		return w
	}
	return escapeWriter{w}
}

func (e escapeWriter) Write(p []byte) (int, error) {
	clean := true
	for i := 0; i < len(p); i++ {
		if isControl(p, i) {
			clean = false
			break
		}
	}
	if clean {
		return e.w.Write(p)
	}
	out := make([]byte, 0, len(p)+16)
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f:
			out = fmt.Appendf(out, `\u%04x`, p[i+1])
			i++
		case isControl(p, i):
			out = fmt.Appendf(out, `\u%04x`, c)
		default:
			out = append(out, c)
		}
	}
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func isControl(p []byte, i int) bool {
	c := p[i]
	if c == '\n' || c == '\t' {
		return false
	}
	if c < 0x20 || c == 0x7f {
		return true
	}
	return c == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f
}
