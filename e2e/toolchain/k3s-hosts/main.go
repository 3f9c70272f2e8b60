// Command k3s-hosts renders the containerd configuration a k3s v1.32 agent would write for a registries.yaml, by
// calling k3s's own SetupContainerdConfig (pkg/agent/containerd) on a minimal node config: DIR/config.toml and the
// hosts.toml tree under DIR/certs.d, which is what the config.toml's config_path names. Test tooling only: the
// tests point a real containerd at DIR/certs.d to see what k3s's files make it do.
//
//	k3s-hosts --registries FILE --out DIR [--disable-default-registry-endpoint] [--lenient]
//
// The file is loaded by wharfie's GetPrivateRegistries exactly as k3s loads it. That loader is lenient (yaml.v2
// Unmarshal: a misspelt key is silently dropped), so unless --lenient is given the file is first decoded strictly
// into the same wharfie types, and any key k3s would ignore is an error: a file Berth writes must mean to k3s what
// Berth thinks it means. For the same reason an endpoint or config k3s logs and skips while rendering (an invalid
// URL, a duplicate) is an error too.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/k3s-io/k3s/pkg/agent/containerd"
	"github.com/k3s-io/k3s/pkg/daemons/config"
	"github.com/rancher/wharfie/pkg/registries"
	"github.com/sirupsen/logrus"
	"gopkg.in/yaml.v2"
)

func main() {
	registriesFile := flag.String("registries", "", "the registries.yaml to load (k3s's --private-registry)")
	out := flag.String("out", "", "directory to write config.toml and certs.d/ into")
	noDefault := flag.Bool("disable-default-registry-endpoint", false, "k3s's flag of the same name")
	lenient := flag.Bool("lenient", false, "skip the strict decode (accept keys k3s would silently ignore)")
	flag.Parse()
	if *registriesFile == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	logrus.SetOutput(os.Stderr)
	if err := run(*registriesFile, *out, *noDefault, !*lenient); err != nil {
		fmt.Fprintln(os.Stderr, "k3s-hosts:", err)
		os.Exit(1)
	}
}

func run(registriesFile, out string, noDefault, strict bool) error {
	if strict {
		raw, err := os.ReadFile(registriesFile)
		if err != nil {
			return err
		}
		if err := yaml.UnmarshalStrict(raw, &registries.Registry{}); err != nil {
			return fmt.Errorf("%s has keys k3s would ignore: %w", registriesFile, err)
		}
	}
	loaded, err := registries.GetPrivateRegistries(registriesFile)
	if err != nil {
		return err
	}
	out, err = filepath.Abs(out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// The fields SetupContainerdConfig reads; the rest of a node config only feeds config.toml lines that do not
	// touch registries (CNI dirs, snapshotter, sandbox image).
	node := &config.Node{
		NoFlannel: true,
		Containerd: config.Containerd{
			Config:    filepath.Join(out, "config.toml"),
			Template:  filepath.Join(out, "config.toml.tmpl"), // absent: k3s's built-in template
			Registry:  filepath.Join(out, "certs.d"),
			NoDefault: noDefault,
		},
		AgentConfig: config.Agent{Registry: loaded.Registry},
	}
	skipped := &skipHook{}
	if strict {
		logrus.AddHook(skipped)
	}
	if err := containerd.SetupContainerdConfig(node); err != nil {
		return err
	}
	if len(skipped.messages) > 0 {
		return fmt.Errorf("k3s skipped part of %s: %v", registriesFile, skipped.messages)
	}
	return filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			fmt.Println(path)
		}
		return err
	})
}

// The messages k3s's getHostConfigs logs when it leaves an endpoint or a registry out of hosts.toml.
var skipMessage = regexp.MustCompile(`^(Ignoring invalid endpoint URL|Skipping duplicate endpoint URL|Failed to generate config for registry)`)

type skipHook struct{ messages []string }

func (h *skipHook) Levels() []logrus.Level {
	return []logrus.Level{logrus.ErrorLevel, logrus.WarnLevel}
}

func (h *skipHook) Fire(e *logrus.Entry) error {
	if skipMessage.MatchString(e.Message) {
		h.messages = append(h.messages, e.Message)
	}
	return nil
}
