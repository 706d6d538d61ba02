// Package wiretest holds the loopback-server helpers of the provider
// client tests: a server bound to 127.0.0.1, a config with a private
// transport, writers that flush each piece, a connection cutter and a
// goroutine-leak check. It is for tests only and holds no package state.
package wiretest
