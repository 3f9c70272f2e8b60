// The real test bed, as helpers for the mocha suites: upstream registries, test images, containerd, the cluster.
export {};
