package natsx

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap"
)

// DefaultPort is the client port of the embedded server.
const DefaultPort = 4222

// EmbeddedMaxPayload is the largest message the embedded server accepts. It
// is above event.MaxEventSize so that every valid event fits, and at the 8
// MiB ceiling nats-server recommends.
const EmbeddedMaxPayload = 8 << 20

// EmbeddedOptions configures StartEmbedded.
type EmbeddedOptions struct {
	// Host to listen on. Optional, default 127.0.0.1.
	Host string
	// Port for clients. Optional: 0 means DefaultPort (4222), -1 a random
	// free port (read it back with s.ClientURL()).
	Port int
	// StoreDir is where JetStream keeps its files. Required.
	StoreDir string
	// Logger receives the server's log lines (named "nats-server").
	// Optional: nil silences the server.
	Logger *zap.Logger
	// Debug and Trace turn on the server's debug and protocol trace lines
	// (only with a Logger).
	Debug, Trace bool
	// DontListen opens no TCP port; clients connect in-process with
	// nats.InProcessServer(s).
	DontListen bool
	// ServerName is optional; nats-server picks one when empty.
	ServerName string
	// MaxPayload is the largest message accepted. Optional, default
	// EmbeddedMaxPayload.
	MaxPayload int32
	// TLS, when set, makes the server require TLS from every client.
	TLS *tls.Config
	// Auth, when set, configures the server's authentication (e.g.
	// natsauth.Authority.Configure). Without it the server accepts every
	// client: tests and trusted single-user machines only.
	Auth func(*server.Options) error
	// Cluster, when set, makes the server one node of a NATS cluster
	// (JetStream clustered: streams and consumers may have 3 replicas).
	// ServerName is then required and must stay the same across restarts.
	Cluster *ClusterOptions
}

// ClusterOptions make an embedded server a node of a NATS cluster.
type ClusterOptions struct {
	// Name of the cluster, the same on every node. Required.
	Name string
	// Host and Port of this node's route listener (Port > 0). Host
	// defaults to the client Host.
	Host string
	Port int
	// Routes are the other nodes' route URLs (nats-route://host:port).
	Routes []string
}

// StartEmbedded starts a nats-server with JetStream on o.StoreDir in this
// process and waits (up to 10 s) until it accepts clients. Stop it with
// s.Shutdown() followed by s.WaitForShutdown().
func StartEmbedded(o EmbeddedOptions) (*server.Server, error) {
	if o.StoreDir == "" {
		return nil, errors.New("natsx: embedded server: no JetStream store directory given")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if !o.DontListen && o.Port > 0 {
		// nats-server reports a busy port only after the full 10 s wait;
		// look first so that the common mistake fails at once.
		hp := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
		l, err := net.Listen("tcp", hp)
		if err != nil {
			return nil, fmt.Errorf("natsx: embedded server (store %s): cannot listen on %s: %w", o.StoreDir, hp, err)
		}
		l.Close()
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = EmbeddedMaxPayload
	}
	opts := &server.Options{
		ServerName: o.ServerName,
		Host:       o.Host,
		Port:       o.Port,
		DontListen: o.DontListen,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		MaxPayload: o.MaxPayload,
		NoSigs:     true,
		NoLog:      o.Logger == nil,
		Debug:      o.Debug,
		Trace:      o.Trace,
	}
	if o.TLS != nil {
		opts.TLSConfig = o.TLS
		opts.TLS = true
		opts.TLSTimeout = 5
	}
	if c := o.Cluster; c != nil {
		if c.Name == "" || c.Port <= 0 || o.ServerName == "" {
			return nil, fmt.Errorf("natsx: embedded server (store %s): a cluster node needs a cluster name, a route port and a server name", o.StoreDir)
		}
		host := c.Host
		if host == "" {
			host = o.Host
		}
		opts.Cluster = server.ClusterOpts{Name: c.Name, Host: host, Port: c.Port}
		if len(c.Routes) > 0 {
			opts.Routes = server.RoutesFromStr(strings.Join(c.Routes, ","))
		}
	}
	if o.Auth != nil {
		if err := o.Auth(opts); err != nil {
			return nil, fmt.Errorf("natsx: embedded server (store %s): %w", o.StoreDir, err)
		}
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsx: embedded server (store %s): %w", o.StoreDir, err)
	}
	if o.Logger != nil {
		s.SetLoggerV2(zapServerLogger{o.Logger.Named("nats-server").WithOptions(zap.AddCallerSkip(1)).Sugar()}, o.Debug, o.Trace, false)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, fmt.Errorf("natsx: embedded server on %s:%d (store %s): not ready after 10s", o.Host, o.Port, o.StoreDir)
	}
	if !s.JetStreamEnabled() {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, fmt.Errorf("natsx: embedded server (store %s): JetStream did not start", o.StoreDir)
	}
	return s, nil
}

// zapServerLogger adapts zap to nats-server's Logger interface. Fatal lines
// are logged as errors: the server handles them itself, and esdoctor never
// lets a library end the process.
type zapServerLogger struct{ l *zap.SugaredLogger }

func (z zapServerLogger) Noticef(format string, v ...any) { z.l.Infof(format, v...) }
func (z zapServerLogger) Warnf(format string, v ...any)   { z.l.Warnf(format, v...) }
func (z zapServerLogger) Fatalf(format string, v ...any)  { z.l.Errorf(format, v...) }
func (z zapServerLogger) Errorf(format string, v ...any)  { z.l.Errorf(format, v...) }
func (z zapServerLogger) Debugf(format string, v ...any)  { z.l.Debugf(format, v...) }
func (z zapServerLogger) Tracef(format string, v ...any)  { z.l.Debugf(format, v...) }
