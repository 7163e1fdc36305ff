import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/test-app.js';

describe('profiles and follows (e2e, real PostgreSQL)', () => {
  const app = useTestApp({ sql: true });

  const followRows = async (follower: string, following: string) =>
    (
      await app.db.query(
        `SELECT count(*)::int AS n FROM follows f JOIN users a ON a.id = f.follower_id JOIN users b ON b.id = f.following_id
       WHERE a.username = $1 AND b.username = $2`,
        [follower, following],
      )
    ).rows[0].n as number;

  it('gets a profile anonymously with the exact shape; unknown user is 404', async () => {
    const celeb = await app.api.actingAsNewUser('celeb');
    await celeb.client.put('/api/user', { user: { bio: 'famous', image: 'https://example.test/c.png' } });
    const res = await app.api.get(`/api/profiles/${celeb.username}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ profile: { username: celeb.username, bio: 'famous', image: 'https://example.test/c.png', following: false } });
    const missing = await app.api.get('/api/profiles/nobody_here');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: { profile: ['not found'] } });
    expect((await app.api.as('bad-token').get(`/api/profiles/${celeb.username}`)).status).toBe(401);
  });

  it('follows and unfollows (200, idempotent), and the flag shows on reads', async () => {
    const celeb = await app.api.actingAsNewUser('star');
    const fan = await app.api.actingAsNewUser('fan');
    const follow = await fan.client.post(`/api/profiles/${celeb.username}/follow`, { user: { email: fan.email } });
    expect(follow.status).toBe(200);
    expect(follow.body).toEqual({ profile: { username: celeb.username, bio: null, image: null, following: true } });
    expect((await fan.client.post(`/api/profiles/${celeb.username}/follow`)).body.profile.following).toBe(true);
    expect(await followRows(fan.username, celeb.username)).toBe(1);

    expect((await fan.client.get(`/api/profiles/${celeb.username}`)).body.profile.following).toBe(true);
    expect((await app.api.get(`/api/profiles/${celeb.username}`)).body.profile.following).toBe(false);
    // following is directional
    expect((await celeb.client.get(`/api/profiles/${fan.username}`)).body.profile.following).toBe(false);

    const unfollow = await fan.client.delete(`/api/profiles/${celeb.username}/follow`);
    expect(unfollow.status).toBe(200);
    expect(unfollow.body.profile.following).toBe(false);
    expect((await fan.client.delete(`/api/profiles/${celeb.username}/follow`)).status).toBe(200);
    expect(await followRows(fan.username, celeb.username)).toBe(0);
  });

  it('cannot follow yourself (422); unknown user 404; no token 401', async () => {
    const me = await app.api.actingAsNewUser('self');
    const self = await me.client.post(`/api/profiles/${me.username}/follow`);
    expect(self.status).toBe(422);
    expect(self.body).toEqual({ errors: { username: ['you cannot follow yourself'] } });
    expect(await followRows(me.username, me.username)).toBe(0);
    expect((await me.client.get(`/api/profiles/${me.username}`)).body.profile.following).toBe(false);
    expect((await me.client.post('/api/profiles/nobody_here/follow')).status).toBe(404);
    expect((await me.client.delete('/api/profiles/nobody_here/follow')).status).toBe(404);
    expect((await app.api.post(`/api/profiles/${me.username}/follow`)).status).toBe(401);
    expect((await app.api.delete(`/api/profiles/${me.username}/follow`)).status).toBe(401);
  });

  it('concurrent follows of the same user leave exactly one row', async () => {
    const celeb = await app.api.actingAsNewUser('busy');
    const fan = await app.api.actingAsNewUser('eager');
    const results = await Promise.all(Array.from({ length: 10 }, () => fan.client.post(`/api/profiles/${celeb.username}/follow`)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await followRows(fan.username, celeb.username)).toBe(1);
  });
});
