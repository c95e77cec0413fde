//go:build tools

// Package tools pins kro's controller (cmd/controller) for `go build` in build.sh.
package tools

import _ "github.com/kubernetes-sigs/kro/cmd/controller"
