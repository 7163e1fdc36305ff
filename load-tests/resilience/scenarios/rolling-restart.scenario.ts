// Every API instance restarted in turn: nothing fails, every chat client reconnects.
import { check, type ScenarioSpec } from '../scenario-runner.ts';
import type { Durations } from './durations.ts';
import { countStatuses, fmtMs, noExits } from './judging.ts';

export function rollingRestart(d: Durations): ScenarioSpec {
  return {
    name: 'rolling restart of every API instance',
    expected: '0 failed GETs, 0 failed POSTs, every chat client reconnects, no chat message lost',
    chat: true,
    beforeS: d.beforeS,
    afterS: d.afterS,
    async fault(ctx) {
      const t0 = Date.now();
      for (const h of ctx.env.stack.instances) ctx.expectExit(h.id);
      await ctx.env.stack.rollingRestart();
      return { liftedAt: Date.now(), liftedPerf: performance.now(), recoverMs: undefined, figures: { 'rolling restart took': fmtMs(Date.now() - t0) } };
    },
    judge({ phases, chat, exits }) {
      const ps = [phases.during, phases.after];
      const get = countStatuses(ps, /^GET (ERR|5)/);
      const post = countStatuses(ps, /^(POST|PUT|DELETE) (ERR|5)/);
      return [
        check('0 failed GETs', get === 0, `${get}`),
        check('0 failed POSTs/PUTs/DELETEs', post === 0, `${post}`),
        check(
          'every chat client reconnected',
          !!chat && chat.notConnected === 0 && chat.reconnects >= 1,
          `${chat?.reconnects} reconnects of ${chat?.disconnects} disconnects, p99 ${fmtMs(chat?.reconnectP99Ms)}, ${chat?.notConnected} not connected`,
        ),
        check('no chat message lost', (chat?.lost ?? 1) === 0, `lost ${chat?.lost}, acked ${chat?.acked}`),
        noExits(exits),
      ];
    },
  };
}
