import { z } from 'zod';
import type {
  Article,
  ArticleListItem,
  Comment,
  GenericErrorModel,
  MultipleArticlesResponse,
  MultipleCommentsResponse,
  Profile,
  ProfileResponse,
  SingleArticleResponse,
  SingleCommentResponse,
  TagsResponse,
  User,
  UserResponse,
} from '@conduit/contracts';

/**
 * Response bodies as schemas, for the OpenAPI document only: responses are typed by the interfaces in
 * @conduit/contracts, and the type assertions at the bottom fail the typecheck if the two drift apart.
 * `.meta({ id })` makes each a named component (#/components/schemas/<id>), as in the RealWorld spec.
 * Agreement with the spec itself: apps/api/test/docs/openapi-agreement.spec.ts.
 */
const timestamp = z.string().meta({ format: 'date-time' });
const count = z.int().min(0);

export const profileSchema = z.object({ username: z.string(), bio: z.string().nullable(), image: z.string().nullable(), following: z.boolean() }).meta({ id: 'Profile' });
export const userSchema = z.object({ email: z.string(), token: z.string(), username: z.string(), bio: z.string().nullable(), image: z.string().nullable() }).meta({ id: 'User' });

const articleFields = {
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  tagList: z.array(z.string()),
  createdAt: timestamp,
  updatedAt: timestamp,
  favorited: z.boolean(),
  favoritesCount: count,
  author: profileSchema,
};
export const articleSchema = z.object({ ...articleFields, body: z.string() }).meta({ id: 'Article' });
/** List items carry no body, as in the spec's MultipleArticlesResponse. */
export const articleListItemSchema = z.object(articleFields).meta({ id: 'ArticleListItem' });
export const commentSchema = z.object({ id: z.int(), createdAt: timestamp, updatedAt: timestamp, body: z.string(), author: profileSchema }).meta({ id: 'Comment' });

export const userResponseSchema = z.object({ user: userSchema }).meta({ id: 'UserResponse' });
export const profileResponseSchema = z.object({ profile: profileSchema }).meta({ id: 'ProfileResponse' });
export const singleArticleResponseSchema = z.object({ article: articleSchema }).meta({ id: 'SingleArticleResponse' });
export const multipleArticlesResponseSchema = z.object({ articles: z.array(articleListItemSchema), articlesCount: count }).meta({ id: 'MultipleArticlesResponse' });
export const singleCommentResponseSchema = z.object({ comment: commentSchema }).meta({ id: 'SingleCommentResponse' });
export const multipleCommentsResponseSchema = z.object({ comments: z.array(commentSchema) }).meta({ id: 'MultipleCommentsResponse' });
export const tagsResponseSchema = z.object({ tags: z.array(z.string()) }).meta({ id: 'TagsResponse' });

/** Every error, whatever its status: field -> messages (common/api-errors.ts, realworld-exception.filter.ts). */
export const genericErrorSchema = z
  .object({ errors: z.record(z.string(), z.array(z.string()).min(1)) })
  .meta({ id: 'GenericErrorModel', description: 'Field (or topic: token, body, server...) -> messages' });

// Compile-time agreement with @conduit/contracts (npm run typecheck fails when they differ).
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Out<S extends z.ZodType> = z.output<S>;
export const CONTRACTS_AGREE: [
  Same<Out<typeof profileSchema>, Profile>,
  Same<Out<typeof userSchema>, User>,
  Same<Out<typeof articleSchema>, Article>,
  Same<Out<typeof articleListItemSchema>, ArticleListItem>,
  Same<Out<typeof commentSchema>, Comment>,
  Same<Out<typeof userResponseSchema>, UserResponse>,
  Same<Out<typeof profileResponseSchema>, ProfileResponse>,
  Same<Out<typeof singleArticleResponseSchema>, SingleArticleResponse>,
  Same<Out<typeof multipleArticlesResponseSchema>, MultipleArticlesResponse>,
  Same<Out<typeof singleCommentResponseSchema>, SingleCommentResponse>,
  Same<Out<typeof multipleCommentsResponseSchema>, MultipleCommentsResponse>,
  Same<Out<typeof tagsResponseSchema>, TagsResponse>,
  Same<Out<typeof genericErrorSchema>, GenericErrorModel>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true];
