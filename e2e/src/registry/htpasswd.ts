// An htpasswd file as distribution accepts it: bcrypt only (golang.org/x/crypto/bcrypt). apache2-utils is not
// installed and `openssl passwd` has no bcrypt, so the hash comes from bcryptjs (plain JS, no native build).
import bcrypt from 'bcryptjs';

/** Cost 5 keeps the registry's per-request check cheap; the strength of a test password does not matter. */
export function htpasswdLine(username: string, password: string, cost = 5): string {
  return `${username}:${bcrypt.hashSync(password, cost)}\n`;
}
