/**
 * Who a request or socket acts as: what a verified token carries (the JWT `sub` and `username`).
 * Set by the API's auth guard and the chat gateway's handshake; read by every feature.
 */
export interface AuthUser {
  id: number;
  username: string;
}
