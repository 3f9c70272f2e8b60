// Which upstream answers are worth asking again. Only the transient ones: a gateway or an overloaded registry (502,
// 503, 504) and a request timeout (408). A 4xx is the registry's answer about the request (404 not found, 400 bad
// request, 403 denied) and asking again gets the same answer; 401 is answered by authenticating (client.ts), 429 is
// passed on with its Retry-After. A 500 is the registry failing on this request (distribution answers 500 UNKNOWN
// for a blob digest asked for as a manifest): asking again only makes the client wait for the same answer.

const RETRYABLE = new Set([408, 502, 503, 504]);

export function retryableStatus(status: number): boolean {
  return RETRYABLE.has(status);
}
