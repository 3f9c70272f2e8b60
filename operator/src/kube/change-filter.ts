// Which watch events change what a consumer reads of an object. A watch delivers every write: a Node's status
// heartbeat, a project's hit counts, an endpoint's probe time. A consumer that reads only some fields keeps their
// fingerprint per object and acts on an event only when it moved, so its work follows what changed, not how often
// objects are written.
import type { WatchVerb } from './informer.ts';

export class ChangeFilter<T> {
  private readonly seen = new Map<string, string>();

  /** `fingerprint`: what the consumer reads of an object, as a string. `absentAs`: the fingerprint that counts as
   *  no object at all (an object the consumer ignores, appearing or going, is no change). */
  constructor(private readonly fingerprint: (obj: T) => string, private readonly absentAs?: string) {}

  /** Notes the event; true when it changed the fingerprint of the object at `key`. */
  changed(key: string, obj: T, verb: WatchVerb): boolean {
    const before = this.seen.get(key) ?? this.absentAs;
    const after = verb === 'delete' ? this.absentAs : this.fingerprint(obj);
    if (after === undefined) this.seen.delete(key);
    else this.seen.set(key, after);
    return before !== after;
  }
}
