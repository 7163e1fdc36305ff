// The RealWorld ("Conduit") API contract, shared by the API, the web app and the load tests.
// Shapes follow the official spec (openapi.yml of the RealWorld project).

export interface User {
  email: string;
  token: string;
  username: string;
  bio: string | null;
  image: string | null;
}
export interface UserResponse {
  user: User;
}

export interface Profile {
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
}
export interface ProfileResponse {
  profile: Profile;
}

export interface Article {
  slug: string;
  title: string;
  description: string;
  body: string;
  tagList: string[];
  createdAt: string;
  updatedAt: string;
  favorited: boolean;
  favoritesCount: number;
  author: Profile;
}
export interface SingleArticleResponse {
  article: Article;
}
/** List items carry no `body` (as in the spec's MultipleArticlesResponse): pages stay small. */
export type ArticleListItem = Omit<Article, 'body'>;
export interface MultipleArticlesResponse {
  articles: ArticleListItem[];
  articlesCount: number;
}

export interface Comment {
  id: number;
  createdAt: string;
  updatedAt: string;
  body: string;
  author: Profile;
}
export interface SingleCommentResponse {
  comment: Comment;
}
export interface MultipleCommentsResponse {
  comments: Comment[];
}

export interface TagsResponse {
  tags: string[];
}

/** 422 (and every other error) body: field -> messages. */
export interface GenericErrorModel {
  errors: Record<string, string[]>;
}

export interface LoginUserRequest {
  user: { email: string; password: string };
}
export interface NewUserRequest {
  user: { username: string; email: string; password: string };
}
export interface UpdateUserRequest {
  user: Partial<{ email: string; username: string; password: string; bio: string | null; image: string | null }>;
}
export interface NewArticleRequest {
  article: { title: string; description: string; body: string; tagList?: string[] };
}
export interface UpdateArticleRequest {
  article: Partial<{ title: string; description: string; body: string; tagList: string[] }>;
}
export interface NewCommentRequest {
  comment: { body: string };
}

export interface ArticleListQuery {
  tag?: string;
  author?: string;
  favorited?: string;
  limit?: number;
  offset?: number;
}
