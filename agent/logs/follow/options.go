package follow

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Options configures a Follower. Only Paths is required.
type Options struct {
	// Paths are files, directories and globs. A file may not exist yet. A
	// directory means its files accepted by Include. A glob is expanded at
	// every scan (wildcards may appear in any component).
	Paths []string
	// Include selects the files of a directory path: dir is the directory
	// as configured, name a file's base name. Optional; default
	// DefaultInclude.
	Include func(dir, name string) bool
	// Positions is the positions file. Optional; without it positions
	// live in memory only.
	Positions string
	// FromEnd makes the first run (no usable positions file) start each
	// file found at startup at its last complete line, and skip the .gz
	// files found then, instead of reading everything from the start.
	// Files that appear later, and every file on a later run, are read
	// from their start, so that nothing written while the agent was
	// stopped is lost. Scan mode reads from the start; the daemon sets it.
	FromEnd bool
	// MaxLineBytes caps the text kept of one line. Optional; default 16 MiB.
	MaxLineBytes int
	// BatchLines caps the lines of one batch. Optional; default 4096.
	BatchLines int
	// BatchBytes caps the text of one batch (a line longer than that
	// makes a batch of its own). With at most one batch waiting per file
	// and a few queued, it bounds memory. Optional; default 128 KiB.
	BatchBytes int
	// SaveInterval is how often acknowledged positions are written.
	// Optional; default 1s. They are always written when Run returns.
	SaveInterval time.Duration
	// Rescan is the period of the full directory scan that backs up
	// fsnotify. Optional; default 10s.
	Rescan time.Duration
	// Poll is the period at which an idle reader checks its file itself,
	// behind fsnotify and hpcloud/tail's 250ms watcher. Optional; default 1s.
	Poll time.Duration
	// DrainGrace is how long a file that was renamed away or deleted must
	// stay unchanged before its descriptor is closed (a writer may still
	// hold it for a moment). Optional; default 2s.
	DrainGrace time.Duration
	// SettleTime is how long a short new file that could still become a
	// copy of known content (a copy being written) is left unread before
	// it is taken as new content. Optional; default 1s.
	SettleTime time.Duration
	// PruneAfter is how long positions are kept for content that no
	// present file carries. Optional; default 24h.
	PruneAfter time.Duration
	// IdleAfter is how long a file must have had nothing new before an
	// Idle batch is sent for it. Optional; default 1s.
	IdleAfter time.Duration
	// Tick, when set, is called from Run's goroutine every TickInterval,
	// between deliveries: the consumer's own timers (folded repeats that
	// are due) without a goroutine of its own. Optional.
	Tick func(now time.Time)
	// TickInterval is the period of Tick. Optional; default 1s.
	TickInterval time.Duration
	// SaveState returns the consumer's own state, saved atomically with
	// the positions it matches. It is called from Run's goroutine, between
	// deliveries; final is true for the last save, when Run is returning
	// (a consumer may then finish what it holds and return no state).
	// Optional.
	SaveState func(final bool) (json.RawMessage, error)
	// Logger receives warnings; it is named "logs.follow". Optional.
	Logger *zap.Logger
}

// DefaultInclude accepts the names of Elasticsearch log files and their
// rotated forms: *.log, *.json and *.log.* / *.json.* (.gz, .1), not
// hidden files.
func DefaultInclude(dir, name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	for _, ext := range []string{".log", ".json"} {
		if strings.HasSuffix(name, ext) || strings.Contains(name, ext+".") {
			return true
		}
	}
	return false
}

func (o *Options) defaults() error {
	if len(o.Paths) == 0 {
		return errors.New("follow: no paths")
	}
	for _, p := range o.Paths {
		if p == "" {
			return errors.New("follow: empty path")
		}
		if _, err := filepath.Match(p, ""); err != nil {
			return fmt.Errorf("follow: path %q: %w", p, err)
		}
	}
	if o.Include == nil {
		o.Include = DefaultInclude
	}
	setDefault(&o.MaxLineBytes, 16<<20)
	setDefault(&o.BatchLines, 4096)
	setDefault(&o.BatchBytes, 128<<10)
	setDefault(&o.SaveInterval, time.Second)
	setDefault(&o.Rescan, 10*time.Second)
	setDefault(&o.Poll, time.Second)
	setDefault(&o.DrainGrace, 2*time.Second)
	setDefault(&o.SettleTime, time.Second)
	setDefault(&o.PruneAfter, 24*time.Hour)
	setDefault(&o.IdleAfter, time.Second)
	setDefault(&o.TickInterval, time.Second)
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return nil
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
