// @berth/contracts/tls: the serving certificate check, shared by the proxy (on every (re)load) and the operator (on
// the Secret it mounts), so that both refuse the same pairs with the same words.
export { parseCertificatePair, secureContextOptions, MIN_TLS_VERSION, type CertificatePair, type PairSource } from './certificate.ts';
export { TlsCertificateError, type TlsErrorCode } from './errors.ts';
