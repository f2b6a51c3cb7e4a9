// Command external-secrets is ESO's own controller entry point (v0.16.2), built from its Go
// module for the side-by-side bench. ESO's go.mod replaces sprig, which `go install` refuses;
// this wrapper module repeats the replace so the real binary builds.
package main

import "github.com/external-secrets/external-secrets/cmd/controller"

func main() {
	controller.Execute()
}
