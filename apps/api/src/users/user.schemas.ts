import { z } from 'zod';

// Username: URL-safe so it can sit in /profiles/:username; emails normalised to lower case.
export const usernameSchema = z
  .string()
  .trim()
  .min(1, "can't be blank")
  .max(64, 'is too long (maximum is 64 characters)')
  .regex(/^[\w.-]+$/, 'may only contain letters, digits, ".", "_" and "-"');
export const emailSchema = z.string().trim().toLowerCase().min(1, "can't be blank").max(254, 'is too long').pipe(z.email('is invalid'));
/** Cap on password input: argon2 cost is per byte, so an unbounded "password" is a CPU attack. */
export const PASSWORD_MAX_LENGTH = 256;
export const passwordSchema = z.string().min(8, 'is too short (minimum is 8 characters)').max(PASSWORD_MAX_LENGTH, `is too long (maximum is ${PASSWORD_MAX_LENGTH} characters)`);
const optionalUrl = z
  .string()
  .trim()
  .max(2048, 'is too long')
  .refine((v) => v === '' || /^https?:\/\/\S+$/.test(v) || v.startsWith('/'), 'must be an http(s) URL')
  .nullable();

export const registerSchema = z.strictObject({
  user: z.strictObject({ username: usernameSchema, email: emailSchema, password: passwordSchema }),
});

export const loginSchema = z.strictObject({
  // Login does not enforce the minimum length (old accounts), only the cap.
  user: z.strictObject({ email: emailSchema, password: z.string().min(1, "can't be blank").max(PASSWORD_MAX_LENGTH, 'is too long') }),
});

export const updateUserSchema = z.strictObject({
  user: z.strictObject({
    email: emailSchema.optional(),
    username: usernameSchema.optional(),
    password: passwordSchema.optional(),
    bio: z.string().max(10_000, 'is too long').nullable().optional(),
    image: optionalUrl.optional(),
  }),
});

export type RegisterBody = z.infer<typeof registerSchema>;
export type LoginBody = z.infer<typeof loginSchema>;
export type UpdateUserBody = z.infer<typeof updateUserSchema>;
