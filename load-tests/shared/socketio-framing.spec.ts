import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeSocketPacket, encodeAck, encodeConnect, encodeDisconnect, encodeEvent, socketIoWsUrl } from './socketio-framing.ts';

describe('Socket.IO framing (Engine.IO v4)', () => {
  it('builds the WebSocket URL from an http base URL', () => {
    expect(socketIoWsUrl('http://127.0.0.1:8080/')).toBe('ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket');
    expect(socketIoWsUrl('https://example.test')).toBe('wss://example.test/socket.io/?EIO=4&transport=websocket');
  });

  it('encodes namespace connect with auth, events with and without ack ids, acks and disconnect', () => {
    expect(encodeConnect('/chat', { token: 'abc' })).toBe('40/chat,{"token":"abc"}');
    expect(encodeConnect('/')).toBe('40');
    expect(encodeEvent('/chat', 'message:send', [{ room: 'r1', body: 'hi' }], 7)).toBe('42/chat,7["message:send",{"room":"r1","body":"hi"}]');
    expect(encodeEvent('/', 'ping-me')).toBe('42["ping-me"]');
    expect(encodeAck('/chat', 12, [{ ok: true }])).toBe('43/chat,12[{"ok":true}]');
    expect(encodeDisconnect('/chat')).toBe('41/chat,');
  });

  it('decodes the Engine.IO open packet, ping, pong, close and noop', () => {
    const open = decodeFrame('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
    expect(open).toEqual({ type: 'open', open: { sid: 'abc', upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 } });
    expect(decodeFrame('2')).toEqual({ type: 'ping' });
    expect(decodeFrame('3')).toEqual({ type: 'pong' });
    expect(decodeFrame('1')).toEqual({ type: 'close' });
    expect(decodeFrame('6')).toEqual({ type: 'noop' });
    expect(decodeFrame('0not-json').type).toBe('invalid');
    expect(decodeFrame('9').type).toBe('invalid');
  });

  it('decodes namespace connect, connect_error, events with ack ids and acks', () => {
    expect(decodeFrame('40/chat,{"sid":"s1"}')).toEqual({ type: 'message', packet: { type: 'connect', nsp: '/chat', data: { sid: 's1' } } });
    expect(decodeFrame('44/chat,{"message":"invalid token"}')).toEqual({ type: 'message', packet: { type: 'connect_error', nsp: '/chat', data: { message: 'invalid token' } } });
    expect(decodeSocketPacket('2/chat,["message:new",{"body":"x"}]')).toEqual({ type: 'event', nsp: '/chat', id: undefined, event: 'message:new', args: [{ body: 'x' }] });
    expect(decodeSocketPacket('2/chat,15["e",1,2]')).toEqual({ type: 'event', nsp: '/chat', id: 15, event: 'e', args: [1, 2] });
    expect(decodeSocketPacket('3/chat,15[{"id":9}]')).toEqual({ type: 'ack', nsp: '/chat', id: 15, args: [{ id: 9 }] });
    expect(decodeSocketPacket('2["root-event"]')).toEqual({ type: 'event', nsp: '/', id: undefined, event: 'root-event', args: [] });
    expect(decodeSocketPacket('1/chat,')).toEqual({ type: 'disconnect', nsp: '/chat' });
    expect(decodeSocketPacket('1/chat')).toEqual({ type: 'disconnect', nsp: '/chat' });
  });

  it('round-trips what it encodes', () => {
    const frame = encodeEvent('/chat', 'message:send', [{ body: 'a,b[c]' }], 3);
    expect(decodeFrame(frame)).toEqual({ type: 'message', packet: { type: 'event', nsp: '/chat', id: 3, event: 'message:send', args: [{ body: 'a,b[c]' }] } });
    expect(decodeFrame('4' + encodeAck('/chat', 3, ['ok']).slice(1))).toEqual({ type: 'message', packet: { type: 'ack', nsp: '/chat', id: 3, args: ['ok'] } });
  });

  it('marks binary packets and malformed payloads as unsupported instead of throwing', () => {
    expect(decodeSocketPacket('51-["upload",{"_placeholder":true,"num":0}]').type).toBe('unsupported');
    expect(decodeSocketPacket('2/chat,{broken').type).toBe('unsupported');
    expect(decodeSocketPacket('2/chat,{"not":"an array"}').type).toBe('unsupported');
    expect(decodeSocketPacket('3/chat,["ack without id"]').type).toBe('unsupported');
  });
});
