// The plug-in contract of a notification channel: turn a Notification into one HTTP request.
import type { Notification } from './format.js';

export interface HttpRequest {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  body: string;
}

/** `plain`: the message without markup, for a channel that refused the markup (see markupRefused). */
export interface BuildOptions {
  plain?: boolean;
  /** The chat to send to instead of the configured one, after the endpoint said it moved (see chatMovedTo). */
  chatId?: string;
}

export interface ChannelAdapter {
  /** Builds the request; pure, and within the channel's payload limits. */
  build(notification: Notification, opts?: BuildOptions): HttpRequest;
  /** Channels that can edit a message they posted (Discord, Telegram): the edit request. */
  buildEdit?(notification: Notification, messageId: string, opts?: BuildOptions): HttpRequest;
  /**
   * The endpoint refused the message's markup (Telegram "can't parse entities"): it is sent again as plain text,
   * since the same bytes would be refused for ever.
   */
  markupRefused?(status: number, answerBody: string): boolean;
  /** The chat moved and the answer names the new one (Telegram's 400 with `parameters.migrate_to_chat_id`). */
  chatMovedTo?(status: number, answerBody: string): string | undefined;
  /** The id of the message a successful post created, read from the answer body. */
  messageIdOf?(answerBody: string): string | undefined;
  /** An edit refused because nothing changed is a success (Telegram "message is not modified"). */
  editUnchanged?(status: number, answerBody: string): boolean;
}
