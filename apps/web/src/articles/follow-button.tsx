import { useCallback } from 'react';
import type { Profile } from '@conduit/contracts';
import { useApi, useAuth } from '../app-context.js';
import { navigate } from '../router/router.js';
import { useOptimisticToggle } from '../ui/optimistic-toggle.js';

export function FollowButton({ profile }: { profile: Profile }) {
  const api = useApi();
  const auth = useAuth();
  const commit = useCallback(
    async (on: boolean) => {
      const { profile: saved } = on ? await api.follow(profile.username) : await api.unfollow(profile.username);
      return { on: saved.following, count: 0 };
    },
    [api, profile.username],
  );
  const follow = useOptimisticToggle(profile.following, 0, commit);
  if (auth.status === 'signed-in' && auth.user.username === profile.username) return null;
  return (
    <span className="toggle-wrap">
      <button
        type="button"
        className={follow.on ? 'btn btn-sm btn-secondary' : 'btn btn-sm btn-outline-secondary'}
        aria-pressed={follow.on}
        data-testid="follow-button"
        onClick={() => (auth.status === 'signed-in' ? void follow.toggle() : navigate('/login'))}
      >
        {follow.on ? 'Unfollow' : 'Follow'} {profile.username}
      </button>
      {follow.error && <span role="alert" className="inline-error">{follow.error}</span>}
    </span>
  );
}
