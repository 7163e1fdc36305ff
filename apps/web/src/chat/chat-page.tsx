import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useAuth } from '../app-context.js';
import { Link, navigate } from '../router/router.js';
import type { ChatClient, ChatState } from './chat-client.js';
import type { ConnectionStatus } from './chat-types.js';
import { createTypingThrottle, typingText } from './typing-tracker.js';
import { useChatClient, useChatState } from './use-chat-client.js';

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  online: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export function ChatPage({ roomId }: { roomId?: number }) {
  const auth = useAuth();
  const client = useChatClient();
  const state = useChatState(client);
  if (auth.status !== 'signed-in') return <div className="container page"><p><Link to="/login">Sign in</Link> to chat.</p></div>;
  return (
    <div className="chat-page container page">
      <h1 className="visually-hidden">Chat</h1>
      <ConnectionBadge state={state} />
      <div className="chat-layout">
        <RoomList client={client} state={state} current={roomId} />
        {roomId !== undefined && client ? <RoomView key={roomId} client={client} state={state} roomId={roomId} /> : <p className="chat-empty">Pick a room, or create one.</p>}
      </div>
    </div>
  );
}

function ConnectionBadge({ state }: { state: ChatState }) {
  return (
    <p className={`chat-status status-${state.status}`} role="status" data-testid="chat-status" data-status={state.status}>
      <span className="dot" aria-hidden="true" /> {STATUS_TEXT[state.status]}
      {state.detail && state.status !== 'online' ? ` — ${state.detail}` : ''}
      {state.status === 'online' && state.recovered > 0 ? ` — ${state.recovered} missed message${state.recovered === 1 ? '' : 's'} recovered` : ''}
    </p>
  );
}

function RoomList({ client, state, current }: { client: ChatClient | null; state: ChatState; current?: number }) {
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  async function create(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!client || !name.trim()) return;
    setError('');
    try {
      const room = await client.createRoom(name.trim());
      setName('');
      navigate(`/chat/${room.id}`);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <nav className="room-list" aria-label="Chat rooms">
      <h2>Rooms</h2>
      <ul>
        {state.rooms.map((room) => (
          <li key={room.id}>
            <Link to={`/chat/${room.id}`} aria-current={room.id === current ? 'page' : undefined} className={room.id === current ? 'active' : undefined}># {room.name}</Link>
          </li>
        ))}
        {state.rooms.length === 0 && <li className="muted">No rooms yet.</li>}
      </ul>
      <form onSubmit={(e) => void create(e)} className="room-create">
        <label htmlFor="new-room">New room</label>
        <div className="input-row">
          <input id="new-room" className="form-control" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="btn btn-sm btn-primary" disabled={state.status !== 'online'}>Create</button>
        </div>
        {error && <p role="alert" className="inline-error">{error}</p>}
      </form>
    </nav>
  );
}

function RoomView({ client, state, roomId }: { client: ChatClient; state: ChatState; roomId: number }) {
  const room = state.byRoom[roomId] ?? client.room(roomId);
  const me = useAuth();
  const [draft, setDraft] = useState('');
  const logRef = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  const typing = useRef(createTypingThrottle(() => client.sendTyping(roomId)));
  const name = state.rooms.find((r) => r.id === roomId)?.name ?? `room ${roomId}`;

  useEffect(() => {
    void client.openRoom(roomId);
    return () => client.closeRoom(roomId);
  }, [client, roomId]);

  // Follow new messages only when the reader is already at the bottom (scroll-back stays put).
  const lastId = room.messages.at(-1)?.id;
  const count = room.messages.length;
  useEffect(() => {
    const log = logRef.current;
    if (log && stickToBottom.current) log.scrollTop = log.scrollHeight;
  }, [lastId, count]);

  function onScroll(): void {
    const log = logRef.current;
    if (!log) return;
    stickToBottom.current = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }

  async function send(event: FormEvent): Promise<void> {
    event.preventDefault();
    const body = draft.trim();
    if (!body) return;
    setDraft('');
    stickToBottom.current = true;
    await client.send(roomId, body);
  }

  const myName = me.status === 'signed-in' ? me.user.username : '';
  return (
    <section className="room-view" aria-labelledby="room-title">
      <header className="room-header">
        <div className="room-title-row">
          <h2 id="room-title"># {name}</h2>
          <button type="button" className="btn btn-sm btn-outline-secondary" onClick={() => void client.leaveRoom(roomId).then(() => navigate('/chat'), () => undefined)}>
            Leave room
          </button>
        </div>
        <p className="presence" data-testid="presence">
          <span className="visually-hidden">Online now: </span>
          {room.presence.length === 0 ? 'Nobody else online' : room.presence.map((u) => <span key={u} className="presence-user">{u}{u === myName ? ' (you)' : ''}</span>)}
        </p>
      </header>
      {room.error && <p role="alert" className="inline-error">{room.error}</p>}
      <ol className="messages" ref={logRef} onScroll={onScroll} role="log" aria-live="polite" aria-label={`Messages in ${name}`} tabIndex={0}>
        {room.hasOlder && room.messages.length > 0 && (
          <li className="older">
            <button type="button" className="btn btn-sm btn-outline-secondary" onClick={() => { stickToBottom.current = false; void client.loadOlder(roomId); }} disabled={room.loadingOlder}>
              {room.loadingOlder ? 'Loading…' : 'Load earlier messages'}
            </button>
          </li>
        )}
        {room.messages.map((m) => (
          <li key={m.state ? m.clientId : m.id} className={`message${m.author.username === myName ? ' mine' : ''}${m.state ? ` ${m.state}` : ''}`} data-testid="chat-message" data-message-id={m.state ? undefined : m.id}>
            <span className="author">{m.author.username}</span>
            <span className="body">{m.body}</span>
            {m.state === 'pending' && <span className="meta"> (sending…)</span>}
            {m.state === 'failed' && <span className="meta"> (not sent)</span>}
            {!m.state && m.createdAt && <time className="meta" dateTime={m.createdAt}>{new Date(m.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>}
          </li>
        ))}
      </ol>
      <p className="typing" aria-live="polite" data-testid="typing">{typingText(room.typing)}</p>
      <form className="message-form" onSubmit={(e) => void send(e)}>
        <label htmlFor="message-input" className="visually-hidden">Message #{name}</label>
        <input
          id="message-input"
          className="form-control"
          value={draft}
          maxLength={2000}
          autoComplete="off"
          placeholder={state.status === 'online' ? `Message #${name}` : 'Waiting for the connection…'}
          onChange={(e) => { setDraft(e.target.value); if (e.target.value) typing.current(Date.now()); }}
        />
        <button type="submit" className="btn btn-primary" disabled={state.status !== 'online' || !draft.trim()}>Send</button>
      </form>
    </section>
  );
}
