package sitekey

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/esdoctor/esdoctor/shared/safefile"
)

// The site key travels to an agent inside its enrolment file (the NATS
// credentials esdoctor-aggregator enroll writes, 0600), as a third block
// after the user JWT and the nkey seed. NATS clients read only the first two
// blocks (the JWT, then the seed), so the file stays a valid credentials
// file; every agent enrolled by one aggregator keys its fingerprints alike.
const (
	blockBegin = "-----BEGIN ESDOCTOR SITE KEY-----"
	blockEnd   = "------END ESDOCTOR SITE KEY------"
)

// maxCredsFile bounds what ReadCredsFile reads: a credentials file is
// about 1 KiB.
const maxCredsFile = 64 << 10

// AppendBlock appends key as the site-key block of an enrolment file.
func AppendBlock(dst, key []byte) []byte {
	if len(dst) > 0 && dst[len(dst)-1] != '\n' {
		dst = append(dst, '\n')
	}
	dst = append(dst, "\n"+blockBegin+"\n"...)
	dst = append(dst, key...)
	dst = append(dst, "\n"+blockEnd+"\n\n"+
		"*************************** ESDOCTOR SITE KEY ***************************\n"+
		"The key every agent of this site fingerprints keystore values with (HMAC).\n"+
		"Keep this file 0600, like the seed above.\n"+
		"*************************************************************************\n"...)
	return dst
}

// FromBlock finds the site-key block in an enrolment file: ok is false when
// there is none; a block that is there but malformed is an error.
func FromBlock(b []byte) (key []byte, ok bool, err error) {
	i := bytes.Index(b, []byte(blockBegin))
	if i < 0 {
		return nil, false, nil
	}
	rest := b[i+len(blockBegin):]
	j := bytes.Index(rest, []byte(blockEnd))
	if j < 0 {
		return nil, true, errors.New("site key block not terminated (no " + blockEnd + ")")
	}
	if bytes.Contains(rest[j+len(blockEnd):], []byte(blockBegin)) {
		return nil, true, errors.New("more than one site key block")
	}
	key = bytes.TrimSpace(rest[:j])
	if err := Validate(key); err != nil {
		return nil, true, err
	}
	return append([]byte(nil), key...), true, nil
}

// FromCredsFile reads the site key an enrolment file carries (ok false:
// none). Errors name the file and the cause.
func FromCredsFile(path string) (key []byte, ok bool, err error) {
	b, err := safefile.ReadFile(path, maxCredsFile)
	if err != nil {
		return nil, false, fmt.Errorf("site key in %s: %w", path, err)
	}
	key, ok, err = FromBlock(b)
	if err != nil {
		return nil, ok, fmt.Errorf("site key in %s: %w", path, err)
	}
	return key, ok, nil
}
