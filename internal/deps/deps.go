// Package deps pins the project's chosen third-party modules in go.mod while
// the packages that use them are being written. It is removed once every
// module here is imported by real code.
package deps

import (
	_ "github.com/fsnotify/fsnotify"
	_ "github.com/google/renameio/v2"
	_ "github.com/hpcloud/tail"
	_ "github.com/nats-io/nats-server/v2/server"
	_ "github.com/nats-io/nats.go"
	_ "github.com/nats-io/nats.go/jetstream"
	_ "github.com/pavlo-v-chernykh/keystore-go/v4"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "go.uber.org/zap"
	_ "gopkg.in/yaml.v3"
	_ "software.sslmate.com/src/go-pkcs12"
)
