// The serving certificate check is a contract (@berth/contracts/tls): the operator runs it on the Secret it mounts,
// so both refuse the same pairs with the same words. The proxy's TLS server takes it from here.
export { MIN_TLS_VERSION, parseCertificatePair, secureContextOptions, type CertificatePair } from '@berth/contracts/tls';
