// Command kube-apiserver is the upstream kube-apiserver, built from the published
// k8s.io/kubernetes module at the version pinned in go.mod. Same body as upstream's
// cmd/kube-apiserver/apiserver.go (a main package cannot be imported, so it is repeated here).
package main

import (
	"os"
	_ "time/tzdata" // for timeZone support in CronJob

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
