// The proxy's config file is a contract with the operator, which renders it: type, validator, renderer and the
// duration grammar live in @berth/contracts/proxy-config. The proxy's modules (and @berth/proxy/config) take it
// from here.
export * from '@berth/contracts/proxy-config';
