// The plug-in contract of a notification channel: turn a Notification into one HTTP request.
import type { Notification } from './format.js';

export interface HttpRequest {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  body: string;
}

export interface ChannelAdapter {
  /** Builds the request; pure, and within the channel's payload limits. */
  build(notification: Notification): HttpRequest;
  /** Channels that can edit a message they posted (Discord, Telegram): the edit request. */
  buildEdit?(notification: Notification, messageId: string): HttpRequest;
  /** The id of the message a successful post created, read from the answer body. */
  messageIdOf?(answerBody: string): string | undefined;
  /** An edit refused because nothing changed is a success (Telegram "message is not modified"). */
  editUnchanged?(status: number, answerBody: string): boolean;
}
