// Command kstatus prints the verdict of the kstatus library (sigs.k8s.io/cli-utils/pkg/kstatus,
// the readiness rules Flux, kpt and Helm use) on one Kubernetes object read as JSON or YAML from
// standard input: one line "<status>\t<message>", e.g. "Current\tResource is Ready".
// Exit code 2 when the input is not an object, 1 when kstatus cannot judge it.
package main

import (
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kstatus: reading stdin:", err)
		os.Exit(2)
	}
	// Through JSON into Unstructured: its decoder keeps integers int64, as kstatus reads them.
	js, err := yaml.YAMLToJSON(in)
	u := &unstructured.Unstructured{}
	if err == nil {
		err = u.UnmarshalJSON(js)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kstatus: stdin is not a JSON or YAML object:", err)
		os.Exit(2)
	}
	result, err := status.Compute(u)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(1)
	}
	fmt.Printf("%s\t%s\n", result.Status, result.Message)
}
