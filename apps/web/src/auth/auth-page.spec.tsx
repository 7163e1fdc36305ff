import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/api-error.js';
import { alice, renderWithServices } from '../test/fake-services.js';
import { AuthPage } from './auth-page.js';

function fill(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('AuthPage', () => {
  afterEach(() => {
    cleanup();
    window.history.replaceState(null, '', '/');
  });

  it("shows the server's validation errors and keeps the form", async () => {
    const register = vi.fn(async () => {
      throw new ApiError(422, { email: ['has already been taken'], username: ['has already been taken'] });
    });
    renderWithServices(<AuthPage mode="register" />, { register }, { signedIn: false });
    fill('Username', 'alice');
    fill('Email', 'alice@example.test');
    fill('Password', 'long enough');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Sign up' })));
    expect(register).toHaveBeenCalledWith('alice', 'alice@example.test', 'long enough');
    const alert = screen.getByRole('alert');
    expect([...alert.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['email has already been taken', 'username has already been taken']);
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('alice@example.test');
    expect((screen.getByRole('button', { name: 'Sign up' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('signs in, stores the user and goes home', async () => {
    window.history.replaceState(null, '', '/login');
    const login = vi.fn(async () => ({ user: alice }));
    const { auth } = renderWithServices(<AuthPage mode="login" />, { login }, { signedIn: false });
    fill('Email', 'alice@example.test');
    fill('Password', 'pw');
    await act(async () => fireEvent.submit(screen.getByRole('button', { name: 'Sign in' }).closest('form')!));
    expect(auth.getState()).toEqual({ status: 'signed-in', user: alice });
    expect(window.location.pathname).toBe('/');
  });
});
