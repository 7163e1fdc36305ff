import { useState, type FormEvent } from 'react';
import { useAuth } from '../app-context.js';
import { Link, navigate } from '../router/router.js';
import type { ChatClient, ChatState } from './chat-client.js';
import type { ConnectionStatus } from './chat-types.js';
import { RoomView } from './room-view.js';
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
  if (auth.status !== 'signed-in')
    return (
      <div className="container page">
        <p>
          <Link to="/login">Sign in</Link> to chat.
        </p>
      </div>
    );
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
            <Link to={`/chat/${room.id}`} aria-current={room.id === current ? 'page' : undefined} className={room.id === current ? 'active' : undefined}>
              # {room.name}
            </Link>
          </li>
        ))}
        {state.rooms.length === 0 && <li className="muted">No rooms yet.</li>}
      </ul>
      <form onSubmit={(e) => void create(e)} className="room-create">
        <label htmlFor="new-room">New room</label>
        <div className="input-row">
          <input id="new-room" className="form-control" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="btn btn-sm btn-primary" disabled={state.status !== 'online'}>
            Create
          </button>
        </div>
        {error && (
          <p role="alert" className="inline-error">
            {error}
          </p>
        )}
      </form>
    </nav>
  );
}
