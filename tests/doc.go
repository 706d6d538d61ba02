// Package tests holds repository-wide checks: the import-direction test
// (arch_test.go) and the spell conformance scripts run from Go
// (scripts_test.go over tests/scripts). Cross-language vectors live in
// tests/vectors and are run by every binding's suite.
package tests
