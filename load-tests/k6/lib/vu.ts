// The body every k6 script shares: setup() makes sure the chat rooms exist; a virtual user gets
// its persona (journey) once, logs in once with a pre-seeded account if the journey is signed
// in (or, as a returning user, takes its session from SESSIONS_FILE), then loops its journey.
import { fail } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import { CREATE_ROOM_OK, chatRoomNames, createRoomCall, listRoomsCall, roomIdsFromList } from '../../shared/chat-protocol.ts';
import { loginCall, newIteration, type JourneyDef, type VuState } from '../../shared/journeys.ts';
import { personaFor, smokePersona } from '../../shared/plan.ts';
import { isReturning, type SessionsFile, type StoredSession } from '../../shared/returning-users.ts';
import { accountEmail, accountNumber, resolveSettings, type LoadSettings } from '../../shared/settings.ts';
import { runChatSession } from './chat-session.ts';
import { call, runHttpIteration, think } from './http-journey.ts';

export const settings: LoadSettings = resolveSettings(__ENV);

export interface RunData {
  roomIds: number[];
}

let journey: JourneyDef | undefined;
let state: VuState | undefined;

// Session tokens of returning users (`npm run loadtest:sessions` writes the file), read once in
// the init context and shared by every VU. Without the file every signed-in user signs in: at
// 1000 VUs that is ~550 password hashes in the ramp, a login storm rather than a day's traffic.
const sessionsFile = settings.sessionsFile;
const sessions: ArrayLike<StoredSession | null> = sessionsFile ? new SharedArray('sessions', () => (JSON.parse(open(sessionsFile)) as SessionsFile).sessions) : [];

function returningSession(vu: number): StoredSession | null {
  if (!isReturning(vu, settings.returningShare)) return null;
  return sessions[accountNumber(settings, vu) - 1] ?? null;
}

function login(s: VuState, journeyName: string): void {
  const session = returningSession(s.vu);
  if (session) {
    s.token = session.token;
    s.username = session.username;
    return;
  }
  const email = accountEmail(settings, s.vu);
  const res = call(settings, s, journeyName, 'POST /api/users/login', loginCall(email, settings.accountPassword), [200], (b) => typeof (b as { user?: { token?: unknown } })?.user?.token === 'string');
  const user = (res.body as { user?: { token: string; username: string } } | undefined)?.user;
  if (!res.ok || !user) fail(`virtual user ${s.vu}: login failed for ${email}; is the database seeded (npm run db:seed)?`);
  s.token = user!.token;
  s.username = user!.username;
}

/** k6 setup(): the chat rooms every chat user joins (created once, found by name after). */
export function setupRun(): RunData {
  if (settings.weights.chat <= 0) return { roomIds: [] };
  const s: VuState = { vu: 1, iteration: 0, random: Math.random };
  login(s, 'setup');
  const names = chatRoomNames(settings.chat.rooms);
  for (const name of names) call(settings, s, 'setup', 'POST /api/chat/rooms', createRoomCall(name), CREATE_ROOM_OK);
  const list = call(settings, s, 'setup', 'GET /api/chat/rooms', listRoomsCall(), [200]);
  return { roomIds: roomIdsFromList(names, list.body) };
}

/** The default function of every scenario. */
export function runVirtualUser(data: RunData, opts: { smoke?: boolean } = {}): void {
  if (!journey || !state) {
    const vu = exec.vu.idInTest;
    journey = opts.smoke ? smokePersona(vu) : personaFor(settings, vu);
    const s: VuState = { vu, iteration: 0, random: Math.random };
    if (journey.signedIn) login(s, journey.name);
    state = s;
  }
  newIteration(state);
  if (journey.name === 'chat') {
    runChatSession(settings, state, data.roomIds);
    think(settings, state);
  } else {
    runHttpIteration(settings, journey, state);
  }
}
