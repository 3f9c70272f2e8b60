// @berth/proxy/tls: the serving certificate check, shared with the operator so that both refuse the same pairs
// with the same words.
export { parseCertificatePair, MIN_TLS_VERSION, type CertificatePair, type PairSource } from './certificate.ts';
export { TlsCertificateError, type TlsErrorCode } from './errors.ts';
