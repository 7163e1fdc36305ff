import type { ReactNode } from 'react';
import { useAuth } from '../app-context.js';
import { navigate } from '../router/router.js';

interface ToggleButtonProps {
  /** The optimistic toggle it drives (see useOptimisticToggle). */
  toggle: { on: boolean; error: string | null; toggle: () => Promise<void> };
  className: string;
  testId: string;
  children: ReactNode;
}

/** A pressed/unpressed button for a signed-in reader's toggle; a signed-out click goes to the sign-in page. */
export function ToggleButton({ toggle, className, testId, children }: ToggleButtonProps) {
  const auth = useAuth();
  return (
    <span className="toggle-wrap">
      <button type="button" className={className} aria-pressed={toggle.on} data-testid={testId} onClick={() => (auth.status === 'signed-in' ? void toggle.toggle() : navigate('/login'))}>
        {children}
      </button>
      {toggle.error && (
        <span role="alert" className="inline-error">
          {toggle.error}
        </span>
      )}
    </span>
  );
}
