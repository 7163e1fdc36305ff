import type {
  ArticleListQuery,
  MultipleArticlesResponse,
  MultipleCommentsResponse,
  OpsOverview,
  NewArticleRequest,
  ProfileResponse,
  SingleArticleResponse,
  SingleCommentResponse,
  TagsResponse,
  UpdateArticleRequest,
  UpdateUserRequest,
  UserResponse,
} from '@conduit/contracts';
import type { ApiClient } from './api-client.js';

const seg = encodeURIComponent;

/** The RealWorld endpoints, typed with the shared contract (@conduit/contracts). */
export function conduitApi(client: ApiClient) {
  return {
    login: (email: string, password: string) => client.post<UserResponse>('/users/login', { user: { email, password } }),
    register: (username: string, email: string, password: string) => client.post<UserResponse>('/users', { user: { username, email, password } }),
    currentUser: (signal?: AbortSignal) => client.get<UserResponse>('/user', { signal }),
    updateUser: (user: UpdateUserRequest['user']) => client.put<UserResponse>('/user', { user }),
    /** Avatar upload (multipart); the worker resizes it and the user's image URL follows. */
    uploadAvatar: (file: File) => {
      const form = new FormData();
      form.append('image', file);
      return client.upload<{ upload: Record<string, unknown> }>('/user/image', form);
    },

    listArticles: (query: ArticleListQuery, signal?: AbortSignal) => client.get<MultipleArticlesResponse>('/articles', { query: { ...query }, signal }),
    feed: (query: Pick<ArticleListQuery, 'limit' | 'offset'>, signal?: AbortSignal) => client.get<MultipleArticlesResponse>('/articles/feed', { query: { ...query }, signal }),
    getArticle: (slug: string, signal?: AbortSignal) => client.get<SingleArticleResponse>(`/articles/${seg(slug)}`, { signal }),
    createArticle: (article: NewArticleRequest['article']) => client.post<SingleArticleResponse>('/articles', { article }),
    updateArticle: (slug: string, article: UpdateArticleRequest['article']) => client.put<SingleArticleResponse>(`/articles/${seg(slug)}`, { article }),
    deleteArticle: (slug: string) => client.delete<void>(`/articles/${seg(slug)}`),
    favorite: (slug: string) => client.post<SingleArticleResponse>(`/articles/${seg(slug)}/favorite`),
    unfavorite: (slug: string) => client.delete<SingleArticleResponse>(`/articles/${seg(slug)}/favorite`),

    comments: (slug: string, signal?: AbortSignal) => client.get<MultipleCommentsResponse>(`/articles/${seg(slug)}/comments`, { signal }),
    addComment: (slug: string, body: string) => client.post<SingleCommentResponse>(`/articles/${seg(slug)}/comments`, { comment: { body } }),
    deleteComment: (slug: string, id: number) => client.delete<void>(`/articles/${seg(slug)}/comments/${id}`),

    tags: (signal?: AbortSignal) => client.get<TagsResponse>('/tags', { signal }),
    profile: (username: string, signal?: AbortSignal) => client.get<ProfileResponse>(`/profiles/${seg(username)}`, { signal }),
    follow: (username: string) => client.post<ProfileResponse>(`/profiles/${seg(username)}/follow`),
    unfollow: (username: string) => client.delete<ProfileResponse>(`/profiles/${seg(username)}/follow`),

    /** Operators only (403 otherwise): every instance's state and figures, for /ops. */
    opsOverview: (signal?: AbortSignal) => client.get<OpsOverview>('/ops/overview', { signal }),
  };
}

export type ConduitApi = ReturnType<typeof conduitApi>;
