// Owns the members of one ordered set in the memory store: a map from member to score beside
// an array kept in (score, member) order. An add finds its place by binary search and a read
// of the lowest slices the front, so nothing is sorted again as the set grows (the array's
// splice moves pointers, a memmove of microseconds at 10,000 members).

/** The members of one ordered set, lowest score first. */
export interface OrderedMembers {
  readonly size: number;
  /** Adds a member, or moves it to its new score. */
  add(member: string, score: number): void;
  /** Removes a member; true when it was there. */
  remove(member: string): boolean;
  /** The `count` lowest members, lowest first. */
  lowest(count: number): string[];
  /** Every member with its score, lowest first. */
  [Symbol.iterator](): Iterator<[string, number]>;
}

interface Scored {
  readonly member: string;
  readonly score: number;
}

const before = (a: Scored, b: Scored) => a.score < b.score || (a.score === b.score && a.member < b.member);

/** Creates an empty ordered set, or one of the given members. */
export function createOrderedMembers(initial: Iterable<[string, number]> = []): OrderedMembers {
  const scores = new Map<string, number>();
  const order: Scored[] = [];

  /** The index of the first entry not before `entry` (binary search). */
  function placeOf(entry: Scored): number {
    let low = 0;
    let high = order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (before(order[middle] as Scored, entry)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
  function remove(member: string): boolean {
    const score = scores.get(member);
    if (score === undefined) return false;
    scores.delete(member);
    order.splice(placeOf({ member, score }), 1);
    return true;
  }
  function add(member: string, score: number): void {
    if (scores.get(member) === score) return;
    remove(member);
    scores.set(member, score);
    const entry = { member, score };
    order.splice(placeOf(entry), 0, entry);
  }
  for (const [member, score] of initial) add(member, score);

  return {
    get size() {
      return order.length;
    },
    add,
    remove,
    lowest: (count) => order.slice(0, Math.max(0, count)).map((entry) => entry.member),
    *[Symbol.iterator]() {
      for (const { member, score } of order) yield [member, score];
    },
  };
}
