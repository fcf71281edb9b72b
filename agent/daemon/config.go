// Package daemon is `esdoctor-agent run`: it inspects the node at start and
// whenever its configuration files change, follows its server logs, sends
// heartbeats, and publishes everything over NATS JetStream through an
// on-disk spool, so that nothing is lost while NATS is away.
package daemon

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/shared/safefile"
	"gopkg.in/yaml.v3"

	"github.com/esdoctor/esdoctor/agent/mesh"
)

// Config is /etc/esdoctor/agent.yml. Every field is optional except what
// the node needs to be found (ES_PATH_CONF-style defaults apply).
type Config struct {
	NATS struct {
		// URL of NATS (comma-separated for a cluster). Default nats://127.0.0.1:4222.
		URL string `yaml:"url"`
		// CredsFile is a NATS credentials file (optional).
		CredsFile string `yaml:"creds_file"`
		// CAFile trusts a private CA for tls:// URLs (optional).
		CAFile string `yaml:"ca_file"`
	} `yaml:"nats"`
	Node struct {
		// PathConf is ES_PATH_CONF; default $ES_PATH_CONF, else /etc/elasticsearch.
		PathConf string `yaml:"path_conf"`
		// PathLogs default: path.logs from elasticsearch.yml, else /var/log/elasticsearch.
		PathLogs string `yaml:"path_logs"`
		// Cluster and Name override cluster.name / node.name.
		Cluster string `yaml:"cluster"`
		Name    string `yaml:"name"`
		// KeystorePasswordFile holds the ES keystore password (first line).
		KeystorePasswordFile string `yaml:"keystore_password_file"`
		// ClusterSettingsFile is a saved GET _cluster/settings response.
		ClusterSettingsFile string `yaml:"cluster_settings_file"`
	} `yaml:"node"`
	// FingerprintKeyFile holds the site key for keyed fingerprints (the same
	// file on every node of every cluster).
	FingerprintKeyFile string `yaml:"fingerprint_key_file"`
	// StateDir holds the spool, the positions file and the agent's state.
	// Default /var/lib/esdoctor/agent (systemd StateDirectory).
	StateDir string `yaml:"state_dir"`
	Spool    struct {
		// MaxBytes bounds the spool (default 256 MiB).
		MaxBytes int64 `yaml:"max_bytes"`
	} `yaml:"spool"`
	// HeartbeatInterval (default 30s).
	HeartbeatInterval Duration `yaml:"heartbeat_interval"`
	// InspectInterval re-inspects even without file events (default 5m).
	InspectInterval Duration `yaml:"inspect_interval"`
	Logs            struct {
		// Timezone of plain-layout timestamps (default: the machine's).
		Timezone string `yaml:"timezone"`
		// Window folds repeats of a symptom (default 10m): the first
		// occurrence is sent at once, repeats within the window of the
		// previous one at most once per RepeatFlush (a burst as a count).
		Window Duration `yaml:"window"`
		// RepeatFlush rate-limits the repeats of one symptom (default 500ms).
		RepeatFlush Duration `yaml:"repeat_flush"`
		// IdleAfter completes a plain record (header + stack trace) once
		// its file has been quiet this long (default 200ms).
		IdleAfter Duration `yaml:"idle_after"`
		// FromEnd starts files seen for the first time at their end
		// (default false: the whole file is read once).
		FromEnd bool `yaml:"from_end"`
		// Mesh is the older switch of the service-mesh pack (mesh.enabled).
		Mesh bool `yaml:"mesh"`
		// Disabled turns the log follower off.
		Disabled bool `yaml:"disabled"`
	} `yaml:"logs"`
	// Mesh is the service-mesh pack (off unless configured): istiod and
	// istio-proxy logs, saved mesh objects and certificate checks.
	Mesh    mesh.Config `yaml:"mesh"`
	Metrics struct {
		// Listen is where /metrics is served (default 127.0.0.1:9478,
		// loopback only; "off" serves nothing).
		Listen string `yaml:"listen"`
	} `yaml:"metrics"`
	// Probes are the active probes (remote TLS, peers, kernel).
	Probes ProbeConfig `yaml:"probes"`
	// ESAPI is the optional local Elasticsearch API collector.
	ESAPI ESAPIConfig `yaml:"es_api"`
	// Agent names this agent instance (default: the host name).
	Agent string `yaml:"agent"`
	// LogLevel of the agent's own log (default info).
	LogLevel string `yaml:"log_level"`
	// Host overrides what an inspection learns from the machine the agent
	// runs on. Not in agent.yml: it is for running several agents in one
	// process (the live tests play a whole fleet of node directories).
	Host Host `yaml:"-"`
}

// Host is what the agent would otherwise ask its machine; zero fields
// use the machine's.
type Host struct {
	// Hostname is the default node.name (os.Hostname).
	Hostname string
	// LookupEnv resolves ${VAR} in elasticsearch.yml (os.LookupEnv).
	LookupEnv func(string) (string, bool)
	// NoProcess skips looking for the Elasticsearch process in /proc.
	NoProcess bool
}

// DefaultMetricsListen is where /metrics is served unless agent.yml says.
const DefaultMetricsListen = "127.0.0.1:9478"

// Duration is a time.Duration written as "30s" in YAML.
type Duration time.Duration

// UnmarshalYAML parses "30s", "5m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// LoadConfig reads and validates an agent config file.
func LoadConfig(path string) (*Config, error) {
	b, err := safefile.ReadFile(path, safefile.MaxAgentConfig)
	if err != nil {
		return nil, fmt.Errorf("agent config %s: %w", path, err)
	}
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, errEOF) && err.Error() != "EOF" {
		return nil, fmt.Errorf("agent config %s: %w", path, err)
	}
	base := filepath.Dir(path)
	c.defaults(base)
	return &c, c.validate(path)
}

var errEOF = errors.New("EOF")

func (c *Config) defaults(base string) {
	if c.NATS.URL == "" {
		c.NATS.URL = "nats://127.0.0.1:4222"
	}
	if c.Node.PathConf == "" {
		c.Node.PathConf = os.Getenv("ES_PATH_CONF")
	}
	if c.Node.PathConf == "" {
		c.Node.PathConf = "/etc/elasticsearch"
	}
	if c.StateDir == "" {
		c.StateDir = os.Getenv("STATE_DIRECTORY") // set by systemd
	}
	if c.StateDir == "" {
		c.StateDir = "/var/lib/esdoctor/agent"
	}
	if c.Spool.MaxBytes == 0 {
		c.Spool.MaxBytes = 256 << 20
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = Duration(30 * time.Second)
	}
	if c.InspectInterval == 0 {
		c.InspectInterval = Duration(5 * time.Minute)
	}
	if c.Logs.Window == 0 {
		c.Logs.Window = Duration(10 * time.Minute)
	}
	if c.Metrics.Listen == "" {
		c.Metrics.Listen = DefaultMetricsListen
	}
	if c.Logs.RepeatFlush == 0 {
		c.Logs.RepeatFlush = Duration(500 * time.Millisecond)
	}
	if c.Logs.IdleAfter == 0 {
		c.Logs.IdleAfter = Duration(200 * time.Millisecond)
	}
	if c.Agent == "" {
		c.Agent, _ = os.Hostname()
	}
	rel := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	rel(&c.Node.PathConf)
	rel(&c.Node.PathLogs)
	rel(&c.Node.KeystorePasswordFile)
	rel(&c.Node.ClusterSettingsFile)
	rel(&c.FingerprintKeyFile)
	rel(&c.StateDir)
	rel(&c.NATS.CredsFile)
	rel(&c.NATS.CAFile)
	rel(&c.ESAPI.CredentialsFile)
	rel(&c.ESAPI.CAFile)
	if c.Logs.Mesh {
		c.Mesh.Enabled = true
	}
	c.Mesh.Resolve(base)
}

func (c *Config) validate(path string) error {
	if c.HeartbeatInterval < Duration(time.Second) {
		return fmt.Errorf("agent config %s: heartbeat_interval must be at least 1s", path)
	}
	if c.Spool.MaxBytes < 1<<20 {
		return fmt.Errorf("agent config %s: spool.max_bytes must be at least 1 MiB", path)
	}
	if err := c.Mesh.Validate(); err != nil {
		return fmt.Errorf("agent config %s: %w", path, err)
	}
	if c.Logs.RepeatFlush < Duration(100*time.Millisecond) || c.Logs.RepeatFlush > Duration(time.Minute) {
		return fmt.Errorf("agent config %s: logs.repeat_flush must be between 100ms and 1m", path)
	}
	if c.Logs.IdleAfter < Duration(10*time.Millisecond) || c.Logs.IdleAfter > Duration(10*time.Second) {
		return fmt.Errorf("agent config %s: logs.idle_after must be between 10ms and 10s", path)
	}
	if c.Metrics.Listen != "off" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			return fmt.Errorf("agent config %s: metrics.listen %q: want host:port or off: %w", path, c.Metrics.Listen, err)
		}
	}
	if c.Logs.Timezone != "" {
		if _, err := time.LoadLocation(c.Logs.Timezone); err != nil {
			return fmt.Errorf("agent config %s: logs.timezone: %w", path, err)
		}
	}
	return nil
}
