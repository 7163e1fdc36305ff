/** An API failure in the RealWorld shape: field -> messages, plus the HTTP status (0 = never reached the server). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: Record<string, string[]>,
  ) {
    super(
      Object.entries(errors)
        .map(([field, messages]) => `${field} ${messages.join(', ')}`)
        .join('; ') || `HTTP ${status}`,
    );
    this.name = 'ApiError';
  }

  /** Flat "field message" lines, as the RealWorld front ends show them. */
  get messages(): string[] {
    return Object.entries(this.errors).flatMap(([field, messages]) => messages.map((m) => `${field} ${m}`));
  }
}
