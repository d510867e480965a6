// A sorted set: scores by member, plus the (score, member) order built on
// first read after a write. The project's sorted sets are small version
// indexes, so re-sorting beats maintaining a skip list.
import type { ScoreBound } from "./arguments.ts";

export class SortedSet {
  readonly scores = new Map<string, number>();
  #ordered: string[] | null = null;

  get size(): number {
    return this.scores.size;
  }

  set(member: string, score: number): void {
    this.scores.set(member, score);
    this.#ordered = null;
  }

  delete(member: string): boolean {
    if (!this.scores.delete(member)) return false;
    this.#ordered = null;
    return true;
  }

  /** Members by ascending score, ties by member, as Redis orders them. */
  ordered(): readonly string[] {
    if (this.#ordered === null) {
      const scores = this.scores;
      this.#ordered = [...scores.keys()].sort((a, b) => {
        // Compared, not subtracted: inf - inf is NaN, which sort reads as a tie.
        const scoreA = scores.get(a)!;
        const scoreB = scores.get(b)!;
        if (scoreA !== scoreB) return scoreA < scoreB ? -1 : 1;
        return a < b ? -1 : a > b ? 1 : 0;
      });
    }
    return this.#ordered;
  }

  /** Members whose score lies within [min, max], in ascending order. */
  inScoreRange(min: ScoreBound, max: ScoreBound): string[] {
    const inside: string[] = [];
    for (const member of this.ordered()) {
      const score = this.scores.get(member)!;
      if (score < min.value || (min.exclusive && score === min.value)) continue;
      if (score > max.value || (max.exclusive && score === max.value)) break;
      inside.push(member);
    }
    return inside;
  }
}
