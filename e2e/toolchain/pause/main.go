// The real node's sandbox ("pause") program: holds a pod's namespaces open and does nothing else. It sleeps until
// SIGTERM or SIGINT, and reaps any child reparented to it (it is PID 1 of the pod when the PID namespace is shared).
// Built static (CGO_ENABLED=0) by e2e/toolchain/build.sh, packed into an image by e2e/src/cluster/node-images.ts.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	children := make(chan os.Signal, 8)
	signal.Notify(children, syscall.SIGCHLD)
	for {
		select {
		case <-stop:
			return
		case <-children:
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		}
	}
}
