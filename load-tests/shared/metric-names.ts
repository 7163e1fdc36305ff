// Names of the custom metrics, shared by the k6 scripts, the driver and the reports.

/** Trend (ms): a chat message's send time to its receipt by another member of the room. */
export const CHAT_DELIVERY = 'chat_delivery_ms';
/** Trend (ms): WebSocket open until the /chat namespace confirmed the connection (auth included). */
export const CHAT_CONNECT = 'chat_connect_ms';
/** Counter, tagged `journey`: failed steps (bad status, failed check, transport error) per journey. */
export const JOURNEY_ERRORS = 'journey_errors';
/** Counter: chat messages sent / delivered to other members. */
export const CHAT_SENT = 'chat_messages_sent';
export const CHAT_RECEIVED = 'chat_messages_received';
