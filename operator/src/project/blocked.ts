// A fault that keeps a project from being served until a person fixes something (a missing endpoint or Secret,
// a value the proxy refuses, a child the apiserver rejects). Not retried as an error: the reconciler turns it into
// Ready=False with this reason, which is the stable code users, alerts and kstatus's Stalled read.
export class Blocked extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
    this.name = 'Blocked';
  }
}
