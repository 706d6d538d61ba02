//go:build !linux

package pebblekv

import "errors"

var errExchangeUnsupported = errors.New("atomic exchange unsupported")

// exchange is not atomic outside Linux: ReplaceDir falls back to renames.
func exchange(a, b string) error { return errExchangeUnsupported }
