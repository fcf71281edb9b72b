package natsx

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
)

// Reconnect backoff bounds used by Connect.
const (
	ReconnectMinDelay = 100 * time.Millisecond
	ReconnectMaxDelay = 5 * time.Second
)

// Connect opens a client connection named name to url (one URL or a
// comma-separated list of a cluster's servers). It never gives up: when no
// server answers at first the connection is returned in the reconnecting
// state, and after a disconnect it retries forever with exponential backoff
// (ReconnectMinDelay doubling up to ReconnectMaxDelay, with jitter).
// (Dis)connects are logged on log. Publishes while disconnected fail at once
// instead of filling a memory buffer (nats.ReconnectBufSize(-1)): the agent's
// disk spool is the buffer. opts are applied after these defaults and may
// override them.
func Connect(url string, name string, log *zap.Logger, opts ...nats.Option) (*nats.Conn, error) {
	if log == nil {
		log = zap.NewNop()
	}
	log = log.Named("nats").With(zap.String("client", name))
	base := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true),
		nats.CustomReconnectDelay(reconnectDelay),
		nats.ReconnectBufSize(-1),
		nats.ConnectHandler(func(nc *nats.Conn) {
			log.Info("connected to NATS", zap.String("url", nc.ConnectedUrlRedacted()))
		}),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected from NATS, reconnecting", zap.Error(err))
			} else {
				log.Info("disconnected from NATS")
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("reconnected to NATS", zap.String("url", nc.ConnectedUrlRedacted()))
		}),
		nats.ReconnectErrHandler(func(nc *nats.Conn, err error) {
			log.Debug("NATS reconnect attempt failed", zap.Error(err))
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			log.Info("NATS connection closed")
		}),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			f := []zap.Field{zap.Error(err)}
			if sub != nil {
				f = append(f, zap.String("subject", sub.Subject))
			}
			log.Warn("NATS asynchronous error", f...)
		}),
	}
	nc, err := nats.Connect(url, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("natsx: connect %s to %s: %w", name, RedactURL(url), err)
	}
	return nc, nil
}

// reconnectDelay is exponential backoff with up to 50% jitter.
func reconnectDelay(attempts int) time.Duration {
	d := ReconnectMinDelay
	for i := 1; i < attempts && d < ReconnectMaxDelay; i++ {
		d *= 2
	}
	d = min(d, ReconnectMaxDelay)
	return d/2 + rand.N(d/2+1)
}

// RedactURL hides the password or token in each URL of a comma-separated
// list, for logs and errors.
func RedactURL(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			if strings.Contains(p, "@") {
				parts[i] = "<unparsable url>"
			}
			continue
		}
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			} else {
				u.User = url.User("xxxxx") // a bare token
			}
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}
