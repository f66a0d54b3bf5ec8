// The one retry loop (core/export/retry.ts): backoff, rate-limit waits apart, timeouts failing fast,
// and how a failed request ended (which decides whether a batch may arrive twice).
import { describe, expect, it } from 'vitest';
import { CancelledError, DeliveryError, networkError, outcomeOf, withRetry } from '../../core/export/retry';

const policy = { maxRetries: 3, baseMs: 1, maxMs: 5 };
const signal = new AbortController().signal;

describe('withRetry', () => {
  it('retries failures up to maxRetries, then gives up saying how many', async () => {
    const waits: string[] = [];
    let calls = 0;
    const p = withRetry(
      async () => {
        calls++;
        throw new DeliveryError('boom', { retryable: true, status: 503 });
      },
      policy,
      signal,
      { onWait: (w) => waits.push(`${w.rateLimit ? 'rate' : 'retry'} ${w.attempt}`) },
    );
    await expect(p).rejects.toThrow('boom (gave up after 3 retries)');
    expect(calls).toBe(4);
    expect(waits).toEqual(['retry 1', 'retry 2', 'retry 3']);
  });

  it("counts 429s as rate-limit waits with their own budget and waits at least the server's time", async () => {
    const waits: Array<{ rate: boolean; ms: number }> = [];
    let calls = 0;
    const r = await withRetry(
      async () => {
        if (++calls <= 5) throw new DeliveryError('429', { retryable: true, status: 429, retryAfterMs: 7 });
        return 'ok';
      },
      policy,
      signal,
      { onWait: (w) => waits.push({ rate: w.rateLimit, ms: w.waitMs }) },
    );
    expect(r).toBe('ok');
    expect(waits).toHaveLength(5);
    expect(waits.every((w) => w.rate && w.ms >= 7)).toBe(true);
  });

  it('does not retry a non-retryable error, nor a timeout when told so', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new DeliveryError('401', { retryable: false, status: 401 });
        },
        policy,
        signal,
      ),
    ).rejects.toThrow('401');
    expect(calls).toBe(1);
    const timeout = networkError('Logstash request failed', new DOMException('request timed out after 50 ms', 'TimeoutError'));
    expect(timeout.outcome).toBe('timeout');
    await expect(
      withRetry(
        async () => {
          calls++;
          throw timeout;
        },
        policy,
        signal,
        { onTimeout: (e) => new Error(`hung: ${e.message}`) },
      ),
    ).rejects.toThrow(/^hung: Logstash request failed: no answer \(request timed out after 50 ms\)/);
    expect(calls).toBe(2);
  });

  it('stops at once when cancelled', async () => {
    const ac = new AbortController();
    const p = withRetry(
      async () => {
        ac.abort();
        throw new DeliveryError('x', { retryable: true, status: 500 });
      },
      policy,
      ac.signal,
    );
    await expect(p).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('outcomeOf: could the request have been stored?', () => {
  it.each([
    ['an HTTP answer', new DeliveryError('503', { retryable: true, status: 503 }), 'answered'],
    ['connection refused (nothing sent)', networkError('x', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })), 'unsent'],
    ['a reset after sending', networkError('x', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), 'unanswered'],
    [
      'undici wrapping a reset',
      networkError(
        'x',
        Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }),
      ),
      'unanswered',
    ],
    ['our request timeout', networkError('x', new DOMException('t', 'TimeoutError')), 'timeout'],
    [
      "the AWS SDK's reset (named TimeoutError, code ECONNRESET)",
      new DeliveryError('cw', {
        retryable: true,
        cause: Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError', code: 'ECONNRESET' }),
      }),
      'unanswered',
    ],
    [
      "the AWS SDK's request timeout",
      new DeliveryError('cw', {
        retryable: true,
        cause: Object.assign(new Error('Connection timed out after 50 ms'), { name: 'TimeoutError' }),
      }),
      'timeout',
    ],
    [
      'an SDK error with an HTTP status',
      new DeliveryError('cw', {
        retryable: true,
        cause: Object.assign(new Error('ServiceUnavailable'), { $metadata: { httpStatusCode: 503 } }),
      }),
      'answered',
    ],
  ])('%s', (_what, e, outcome) => {
    expect(e.outcome).toBe(outcome);
    expect(outcomeOf(e)).toBe(outcome);
  });
});
