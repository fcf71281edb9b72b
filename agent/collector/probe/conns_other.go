//go:build !linux

package probe

import "errors"

func liveConnections() ([]Conn, error) {
	return nil, errors.New("inet_diag is Linux only")
}
