import type { ApiError } from '../api/api-error.js';

/** Server-side validation errors, announced to screen readers as they appear. */
export function ErrorList({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <div role="alert">
      <ul className="error-messages">
        {error.messages.map((message) => (
          <li key={message}>{message}</li>
        ))}
      </ul>
    </div>
  );
}
