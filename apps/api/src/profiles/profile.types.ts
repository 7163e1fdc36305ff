import type { Profile } from '@conduit/contracts';

/** The viewer-independent part of a profile (cacheable, shared by every viewer). */
export interface ProfileCore {
  id: number;
  username: string;
  bio: string | null;
  image: string | null;
}

/** Adds the per-viewer `following` flag and drops the internal id. */
export function toProfile(core: Pick<ProfileCore, 'username' | 'bio' | 'image'>, following: boolean): Profile {
  return { username: core.username, bio: core.bio, image: core.image, following };
}
