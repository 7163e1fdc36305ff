import { describe, expect, it } from 'vitest';
import { deliveryFigures, type MemberView } from './chat-figures.ts';

const member = (n: number, held: Array<[number, 'live' | 'history' | 'own']>, bodies: Array<[string, number[]]> = []): MemberView => ({
  n,
  held: new Map(held),
  byBody: new Map(bodies.map(([b, ids]) => [b, new Set(ids)])),
});

describe('deliveryFigures', () => {
  it('counts each (acked message, other member) pair as live, from history or lost; the sender is not counted', () => {
    // Messages 1 and 2 from member 1, message 3 from member 2.
    const acked = new Map([
      [1, 1],
      [2, 1],
      [3, 2],
    ]);
    const members = [
      member(1, [
        [1, 'own'],
        [2, 'own'],
        [3, 'history'],
      ]),
      member(2, [
        [1, 'live'],
        [3, 'own'],
      ]),
      member(3, [
        [1, 'history'],
        [2, 'live'],
        [3, 'live'],
      ]),
    ];
    expect(deliveryFigures(acked, members)).toEqual({ deliveredLive: 3, recovered: 2, lost: 1, duplicatesShown: 0 });
  });

  it('counts a member holding two stored ids for one sent message as a duplicate shown', () => {
    const members = [
      member(
        1,
        [],
        [
          ['hello', [7, 8]],
          ['again', [9]],
        ],
      ),
      member(2, [], [['hello', [7]]]),
    ];
    expect(deliveryFigures(new Map(), members).duplicatesShown).toBe(1);
  });
});
