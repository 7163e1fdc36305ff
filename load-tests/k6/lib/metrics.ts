// Custom k6 metrics (names shared with the driver and the reports: shared/metric-names.ts).
import { Counter, Trend } from 'k6/metrics';
import { CHAT_CONNECT, CHAT_DELIVERY, CHAT_RECEIVED, CHAT_SENT, JOURNEY_ERRORS } from '../../shared/metric-names.ts';

export const chatDelivery = new Trend(CHAT_DELIVERY, true);
export const chatConnect = new Trend(CHAT_CONNECT, true);
export const journeyErrors = new Counter(JOURNEY_ERRORS);
export const chatSent = new Counter(CHAT_SENT);
export const chatReceived = new Counter(CHAT_RECEIVED);
