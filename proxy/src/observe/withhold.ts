// What an upstream error may say to anyone: for a protected project (one with `access`), only the kind of failure.
// The message of an upstream error names the request (`GET /v2/<repository>/blobs/<digest>: upstream answered
// 503`), and /_berth/stats is read without credentials: a protected project's names must not reach it (issue 13).

/** Kinds of upstream failure, recognised in an error message; the first that matches names it. */
const KINDS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/upstream answered (\d{3})\b/, (m) => `upstream answered ${m[1]}`],
  [/refused the credentials/, () => 'upstream refused the credentials (401)'],
  [/denied access/, () => 'upstream denied access (403)'],
  [/needs credentials/, () => 'upstream needs credentials'],
  [/too many redirects/, () => 'too many redirects'],
  [/without a token/, () => 'token service answered without a token'],
  [/upstream sent \d+ of \d+ bytes/, () => 'upstream sent a short body'],
  [/\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/, (m) => m[1]!],
];

/**
 * The kind of failure an upstream error message reports, built only from fixed text, a status code or an error
 * code: never a repository, digest, path or host from the message.
 */
export function upstreamErrorKind(message: string): string {
  for (const [pattern, render] of KINDS) {
    const m = pattern.exec(message);
    if (m) return render(m);
  }
  return 'upstream error';
}

/** The message as a caller without credentials may see it. */
export function withheldMessage(message: string): string {
  return `${upstreamErrorKind(message)} (protected project: repository and digest withheld)`;
}
