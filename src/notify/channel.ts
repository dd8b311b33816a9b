// The plug-in contract of a notification channel: turn a Notification into one HTTP request.
import type { Notification } from './format.js';

export interface HttpRequest {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
}

export interface ChannelAdapter {
  /** Builds the request; pure, and within the channel's payload limits. */
  build(notification: Notification): HttpRequest;
}
