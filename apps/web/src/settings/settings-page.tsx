import { useEffect, useState, type ChangeEvent, type FormEvent } from 'react';
import type { UpdateUserRequest, User } from '@conduit/contracts';
import { ApiError } from '../api/api-error.js';
import { useApi, useAuth, useServices } from '../app-context.js';
import { navigate } from '../router/router.js';
import { Avatar } from '../ui/avatar.js';
import { ErrorList } from '../ui/error-list.js';
import { useFormAction, type FormAction } from '../ui/use-form-action.js';

const MAX_AVATAR_BYTES = 5 * 1024 * 1024;
const AVATAR_POLLS = 15;
const AVATAR_POLL_MS = 1_000;

export function SettingsPage() {
  const api = useApi();
  const { auth } = useServices();
  const state = useAuth();
  const user = state.status === 'signed-in' ? state.user : null;
  const fields = useSettingsFields(user);
  const action = useFormAction();
  const [notice, setNotice] = useState('');

  if (!user)
    return (
      <div className="container page">
        <p>Sign in to change your settings.</p>
      </div>
    );

  async function save(event: FormEvent): Promise<void> {
    event.preventDefault();
    setNotice('');
    const changes: UpdateUserRequest['user'] = { image: fields.image || null, username: fields.username, bio: fields.bio, email: fields.email };
    if (fields.password) changes.password = fields.password;
    await action.run(async () => {
      const { user: saved } = await api.updateUser(changes);
      auth.signIn(saved);
      fields.setPassword('');
      setNotice('Settings saved.');
    });
  }

  return (
    <div className="settings-page container page narrow">
      <h1 className="text-center">Your Settings</h1>
      <ErrorList error={action.error} />
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <AvatarUpload image={user.image} action={action} setNotice={setNotice} />
      <form onSubmit={(e) => void save(e)}>
        <SettingsFieldset fields={fields} busy={action.busy} />
      </form>
      <hr />
      <button
        type="button"
        className="btn btn-outline-danger"
        onClick={() => {
          auth.signOut();
          navigate('/');
        }}
      >
        Or click here to logout.
      </button>
    </div>
  );
}

/** The form's fields, refilled from the signed-in user whenever their saved values change. */
function useSettingsFields(user: User | null) {
  const [image, setImage] = useState('');
  const [username, setUsername] = useState('');
  const [bio, setBio] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  useEffect(() => {
    if (!user) return;
    setImage(user.image ?? '');
    setUsername(user.username);
    setBio(user.bio ?? '');
    setEmail(user.email);
  }, [user?.username, user?.email, user?.image, user?.bio]);

  return { image, setImage, username, setUsername, bio, setBio, email, setEmail, password, setPassword };
}

function SettingsFieldset({ fields: f, busy }: { fields: ReturnType<typeof useSettingsFields>; busy: boolean }) {
  return (
    <fieldset disabled={busy}>
      <label htmlFor="settings-image">URL of profile picture</label>
      <input id="settings-image" className="form-control" value={f.image} onChange={(e) => f.setImage(e.target.value)} />
      <label htmlFor="settings-username">Username</label>
      <input id="settings-username" className="form-control form-control-lg" autoComplete="username" value={f.username} onChange={(e) => f.setUsername(e.target.value)} />
      <label htmlFor="settings-bio">Short bio about you</label>
      <textarea id="settings-bio" className="form-control form-control-lg" rows={6} value={f.bio} onChange={(e) => f.setBio(e.target.value)} />
      <label htmlFor="settings-email">Email</label>
      <input id="settings-email" type="email" className="form-control form-control-lg" autoComplete="email" value={f.email} onChange={(e) => f.setEmail(e.target.value)} />
      <label htmlFor="settings-password">New password (leave empty to keep it)</label>
      <input id="settings-password" type="password" className="form-control form-control-lg" autoComplete="new-password" value={f.password} onChange={(e) => f.setPassword(e.target.value)} />
      <button type="submit" className="btn btn-lg btn-primary pull-right">
        Update Settings
      </button>
    </fieldset>
  );
}

interface AvatarUploadProps {
  image: string | null;
  /** Shared with the settings form: the page has one busy flag and one error list. */
  action: FormAction;
  setNotice: (notice: string) => void;
}

/** The picture upload: checks type and size, uploads (202), then polls until the worker has set the new image. */
function AvatarUpload({ image, action: { setError, run }, setNotice }: AvatarUploadProps) {
  const api = useApi();
  const { auth } = useServices();

  async function upload(event: ChangeEvent<HTMLInputElement>): Promise<void> {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setError(null);
    setNotice('');
    if (!file.type.startsWith('image/')) return setError(new ApiError(422, { image: ['must be an image file'] }));
    if (file.size > MAX_AVATAR_BYTES) return setError(new ApiError(413, { image: ['must be 5 MB or smaller'] }));
    await run(async () => {
      await api.uploadAvatar(file); // 202: stored and queued; the worker resizes it
      setNotice('Picture uploaded; processing…');
      const before = image;
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
    });
  }

  return (
    <div className="avatar-row">
      <Avatar image={image} size={64} />
      <label htmlFor="avatar-file" className="btn btn-outline-secondary">
        Upload a new picture
      </label>
      <input id="avatar-file" className="visually-hidden-file" type="file" accept="image/png,image/jpeg,image/webp" onChange={(e) => void upload(e)} />
    </div>
  );
}
