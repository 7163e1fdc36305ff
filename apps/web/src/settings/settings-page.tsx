import { useEffect, useState, type ChangeEvent, type FormEvent } from 'react';
import type { UpdateUserRequest } from '@conduit/contracts';
import { ApiError } from '../api/api-error.js';
import { useApi, useAuth, useServices } from '../app-context.js';
import { navigate } from '../router/router.js';
import { Avatar } from '../ui/avatar.js';
import { ErrorList } from '../ui/error-list.js';

const MAX_AVATAR_BYTES = 5 * 1024 * 1024;
const AVATAR_POLLS = 15;
const AVATAR_POLL_MS = 1_000;

export function SettingsPage() {
  const api = useApi();
  const { auth } = useServices();
  const state = useAuth();
  const user = state.status === 'signed-in' ? state.user : null;
  const [image, setImage] = useState('');
  const [username, setUsername] = useState('');
  const [bio, setBio] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!user) return;
    setImage(user.image ?? '');
    setUsername(user.username);
    setBio(user.bio ?? '');
    setEmail(user.email);
  }, [user?.username, user?.email, user?.image, user?.bio]);

  if (!user) return <div className="container page"><p>Sign in to change your settings.</p></div>;

  async function save(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNotice('');
    const changes: UpdateUserRequest['user'] = { image: image || null, username, bio, email };
    if (password) changes.password = password;
    try {
      const { user: saved } = await api.updateUser(changes);
      auth.signIn(saved);
      setPassword('');
      setNotice('Settings saved.');
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  async function upload(event: ChangeEvent<HTMLInputElement>): Promise<void> {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setError(null);
    setNotice('');
    if (!file.type.startsWith('image/')) return setError(new ApiError(422, { image: ['must be an image file'] }));
    if (file.size > MAX_AVATAR_BYTES) return setError(new ApiError(413, { image: ['must be 5 MB or smaller'] }));
    setBusy(true);
    try {
      await api.uploadAvatar(file); // 202: stored and queued; the worker resizes it
      setNotice('Picture uploaded; processing…');
      const before = user?.image ?? null;
      // The worker sets the new image URL when done: poll a few times, then give up quietly.
      for (let attempt = 0; attempt < AVATAR_POLLS; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, AVATAR_POLL_MS));
        const { user: fresh } = await api.currentUser();
        if (fresh.image !== before) {
          auth.signIn(fresh);
          setNotice('New picture saved.');
          return;
        }
      }
      setNotice('Picture uploaded; it will appear once it has been processed.');
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="settings-page container page narrow">
      <h1 className="text-center">Your Settings</h1>
      <ErrorList error={error} />
      {notice && <p role="status" className="notice">{notice}</p>}
      <div className="avatar-row">
        <Avatar image={user.image} size={64} />
        <label htmlFor="avatar-file" className="btn btn-outline-secondary">Upload a new picture</label>
        <input id="avatar-file" className="visually-hidden-file" type="file" accept="image/png,image/jpeg,image/webp" onChange={(e) => void upload(e)} />
      </div>
      <form onSubmit={(e) => void save(e)}>
        <fieldset disabled={busy}>
          <label htmlFor="settings-image">URL of profile picture</label>
          <input id="settings-image" className="form-control" value={image} onChange={(e) => setImage(e.target.value)} />
          <label htmlFor="settings-username">Username</label>
          <input id="settings-username" className="form-control form-control-lg" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
          <label htmlFor="settings-bio">Short bio about you</label>
          <textarea id="settings-bio" className="form-control form-control-lg" rows={6} value={bio} onChange={(e) => setBio(e.target.value)} />
          <label htmlFor="settings-email">Email</label>
          <input id="settings-email" type="email" className="form-control form-control-lg" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          <label htmlFor="settings-password">New password (leave empty to keep it)</label>
          <input id="settings-password" type="password" className="form-control form-control-lg" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          <button type="submit" className="btn btn-lg btn-primary pull-right">Update Settings</button>
        </fieldset>
      </form>
      <hr />
      <button type="button" className="btn btn-outline-danger" onClick={() => { auth.signOut(); navigate('/'); }}>Or click here to logout.</button>
    </div>
  );
}
