// The body every k6 script shares: setup() makes sure the chat rooms exist; a virtual user gets
// its persona (journey) once, logs in once with a pre-seeded account if the journey is signed
// in, then loops its journey.
import { fail } from 'k6';
import exec from 'k6/execution';
import { CREATE_ROOM_OK, chatRoomNames, createRoomCall, listRoomsCall, roomIdsFromList } from '../../shared/chat-protocol.ts';
import { loginCall, newIteration, type JourneyDef, type VuState } from '../../shared/journeys.ts';
import { personaFor, smokePersona } from '../../shared/plan.ts';
import { accountEmail, resolveSettings, type LoadSettings } from '../../shared/settings.ts';
import { runChatSession } from './chat-session.ts';
import { call, runHttpIteration, think } from './http-journey.ts';

export const settings: LoadSettings = resolveSettings(__ENV);

export interface RunData {
  roomIds: number[];
}

let journey: JourneyDef | undefined;
let state: VuState | undefined;

function login(s: VuState, journeyName: string): void {
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
