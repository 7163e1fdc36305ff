import { useCallback } from 'react';
import type { Profile } from '@conduit/contracts';
import { useApi, useAuth } from '../app-context.js';
import { useOptimisticToggle } from '../ui/optimistic-toggle.js';
import { ToggleButton } from '../ui/toggle-button.js';

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
    <ToggleButton toggle={follow} className={follow.on ? 'btn btn-sm btn-secondary' : 'btn btn-sm btn-outline-secondary'} testId="follow-button">
      {follow.on ? 'Unfollow' : 'Follow'} {profile.username}
    </ToggleButton>
  );
}
