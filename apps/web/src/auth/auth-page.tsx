import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-error.js';
import { useApi, useServices } from '../app-context.js';
import { Link, navigate } from '../router/router.js';
import { ErrorList } from '../ui/error-list.js';

/** Sign in and sign up; the server's 422 field errors are shown as they come back. */
export function AuthPage({ mode }: { mode: 'login' | 'register' }) {
  const api = useApi();
  const { auth } = useServices();
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const register = mode === 'register';

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { user } = register ? await api.register(username, email, password) : await api.login(email, password);
      auth.signIn(user);
      navigate('/');
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
    }
  }

  return (
    <div className="auth-page container page narrow">
      <h1 className="text-center">{register ? 'Sign up' : 'Sign in'}</h1>
      <p className="text-center">{register ? <Link to="/login">Have an account?</Link> : <Link to="/register">Need an account?</Link>}</p>
      <ErrorList error={error} />
      <form onSubmit={(e) => void submit(e)} noValidate>
        <fieldset disabled={busy}>
          {register && (
            <>
              <label htmlFor="auth-username">Username</label>
              <input id="auth-username" className="form-control form-control-lg" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
            </>
          )}
          <label htmlFor="auth-email">Email</label>
          <input id="auth-email" type="email" className="form-control form-control-lg" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          <label htmlFor="auth-password">Password</label>
          <input
            id="auth-password"
            type="password"
            className="form-control form-control-lg"
            autoComplete={register ? 'new-password' : 'current-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit" className="btn btn-lg btn-primary pull-right">
            {register ? 'Sign up' : 'Sign in'}
          </button>
        </fieldset>
      </form>
    </div>
  );
}
