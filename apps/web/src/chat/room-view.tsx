import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useAuth } from '../app-context.js';
import { navigate } from '../router/router.js';
import type { ChatClient, ChatState } from './chat-client.js';
import type { ChatMessage } from './chat-types.js';
import { createTypingThrottle, typingText } from './typing-tracker.js';

/** One open room: who is here, the message log (with older pages on demand), who is typing, and the composer. */
export function RoomView({ client, state, roomId }: { client: ChatClient; state: ChatState; roomId: number }) {
  const room = state.byRoom[roomId] ?? client.room(roomId);
  const me = useAuth();
  const name = state.rooms.find((r) => r.id === roomId)?.name ?? `room ${roomId}`;

  useEffect(() => {
    void client.openRoom(roomId);
    return () => client.closeRoom(roomId);
  }, [client, roomId]);
  const scroll = useFollowLatest(room.messages);

  const myName = me.status === 'signed-in' ? me.user.username : '';
  return (
    <section className="room-view" aria-labelledby="room-title">
      <RoomHeader client={client} roomId={roomId} name={name} presence={room.presence} myName={myName} />
      {room.error && (
        <p role="alert" className="inline-error">
          {room.error}
        </p>
      )}
      <ol className="messages" ref={scroll.logRef} onScroll={scroll.onScroll} role="log" aria-live="polite" aria-label={`Messages in ${name}`} tabIndex={0}>
        {room.hasOlder && room.messages.length > 0 && (
          <li className="older">
            <button
              type="button"
              className="btn btn-sm btn-outline-secondary"
              onClick={() => {
                scroll.stayPut();
                void client.loadOlder(roomId);
              }}
              disabled={room.loadingOlder}
            >
              {room.loadingOlder ? 'Loading…' : 'Load earlier messages'}
            </button>
          </li>
        )}
        {room.messages.map((m) => (
          <MessageItem key={m.state ? m.clientId : m.id} message={m} mine={m.author.username === myName} />
        ))}
      </ol>
      <p className="typing" aria-live="polite" data-testid="typing">
        {typingText(room.typing)}
      </p>
      <MessageForm client={client} roomId={roomId} name={name} online={state.status === 'online'} onSend={scroll.follow} />
    </section>
  );
}

/** Follows new messages only when the reader is already at the bottom (scroll-back stays put). */
function useFollowLatest(messages: ChatMessage[]) {
  const logRef = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  const lastId = messages.at(-1)?.id;
  const count = messages.length;
  useEffect(() => {
    const log = logRef.current;
    if (log && stickToBottom.current) log.scrollTop = log.scrollHeight;
  }, [lastId, count]);

  function onScroll(): void {
    const log = logRef.current;
    if (!log) return;
    stickToBottom.current = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }
  const follow = () => {
    stickToBottom.current = true;
  };
  const stayPut = () => {
    stickToBottom.current = false;
  };
  return { logRef, onScroll, follow, stayPut };
}

interface RoomHeaderProps {
  client: ChatClient;
  roomId: number;
  name: string;
  presence: string[];
  myName: string;
}

function RoomHeader({ client, roomId, name, presence, myName }: RoomHeaderProps) {
  return (
    <header className="room-header">
      <div className="room-title-row">
        <h2 id="room-title"># {name}</h2>
        <button
          type="button"
          className="btn btn-sm btn-outline-secondary"
          onClick={() =>
            void client.leaveRoom(roomId).then(
              () => navigate('/chat'),
              () => undefined,
            )
          }
        >
          Leave room
        </button>
      </div>
      <p className="presence" data-testid="presence">
        <span className="visually-hidden">Online now: </span>
        {presence.length === 0
          ? 'Nobody else online'
          : presence.map((u) => (
              <span key={u} className="presence-user">
                {u}
                {u === myName ? ' (you)' : ''}
              </span>
            ))}
      </p>
    </header>
  );
}

function MessageItem({ message: m, mine }: { message: ChatMessage; mine: boolean }) {
  return (
    <li className={`message${mine ? ' mine' : ''}${m.state ? ` ${m.state}` : ''}`} data-testid="chat-message" data-message-id={m.state ? undefined : m.id}>
      <span className="author">{m.author.username}</span>
      <span className="body">{m.body}</span>
      {m.state === 'pending' && <span className="meta"> (sending…)</span>}
      {m.state === 'failed' && <span className="meta"> (not sent)</span>}
      {!m.state && m.createdAt && (
        <time className="meta" dateTime={m.createdAt}>
          {new Date(m.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
        </time>
      )}
    </li>
  );
}

interface MessageFormProps {
  client: ChatClient;
  roomId: number;
  name: string;
  online: boolean;
  /** Called as a message goes out, before the server has it. */
  onSend: () => void;
}

/** The composer: tells the room (throttled) that we are typing, sends the trimmed draft. */
function MessageForm({ client, roomId, name, online, onSend }: MessageFormProps) {
  const [draft, setDraft] = useState('');
  const typing = useRef(createTypingThrottle(() => client.sendTyping(roomId)));

  async function send(event: FormEvent): Promise<void> {
    event.preventDefault();
    const body = draft.trim();
    if (!body) return;
    setDraft('');
    onSend();
    await client.send(roomId, body);
  }

  return (
    <form className="message-form" onSubmit={(e) => void send(e)}>
      <label htmlFor="message-input" className="visually-hidden">
        Message #{name}
      </label>
      <input
        id="message-input"
        className="form-control"
        value={draft}
        maxLength={2000}
        autoComplete="off"
        placeholder={online ? `Message #${name}` : 'Waiting for the connection…'}
        onChange={(e) => {
          setDraft(e.target.value);
          if (e.target.value) typing.current(Date.now());
        }}
      />
      <button type="submit" className="btn btn-primary" disabled={!online || !draft.trim()}>
        Send
      </button>
    </form>
  );
}
