// Test support: a seeded random generator and delivery schedules.

/** Every order of the items (n! of them). @template T @param {T[]} items @returns {T[][]} */
export function permutations(items) {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

const MASK = (1n << 64n) - 1n;

/**
 * SplitMix64, as ConvergenceTests.swift uses it: a failure is reproducible from its seed. (The
 * numbers drawn from it are not the Swift test's: Swift's `random(in:)` maps them differently.)
 */
export class SplitMix64 {
  /** @param {number | bigint} seed */
  constructor(seed) {
    this.state = BigInt(seed) & MASK;
  }

  /** The next 64 random bits. */
  next() {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  /** An integer in lower...upper (both included). @param {number} lower @param {number} upper */
  int(lower, upper) {
    return lower + Number(this.next() % BigInt(upper - lower + 1));
  }

  /** @template T @param {T[]} items @returns {T} */
  pick(items) {
    return items[this.int(0, items.length - 1)];
  }

  /** A shuffled copy (Fisher–Yates). @template T @param {T[]} items @returns {T[]} */
  shuffled(items) {
    const copy = items.slice();
    for (let index = copy.length - 1; index > 0; index--) {
      const other = this.int(0, index);
      [copy[index], copy[other]] = [copy[other], copy[index]];
    }
    return copy;
  }
}
