/**
 * Group commit across callers: concurrent `/pipeline` requests from different requests served by this
 * isolate travel together as ONE HTTP request to Redis when the transport is busy.
 *
 * `@upstash/redis` auto-pipelining already joins the commands one caller issues in the same tick
 * (one gated request = one `/pipeline`). Two gated requests served at the same time still send two
 * HTTP requests, and on the REST transport the HTTP request — not the command — is what costs CPU on
 * both ends (issue 10: ~25 % of the gate's profile is the `fetch`). Nothing in the client or in
 * `@upstash/ratelimit` joins requests across callers, so this is written here.
 *
 * The rule is the one databases use for group commit: while fewer than `maxInFlight` HTTP requests
 * are out, a pipeline is sent at once (no added latency on an idle isolate); once that many are out,
 * pipelines queue and the next free slot sends every queued one as one `/pipeline`, each caller
 * getting back its own slice of the replies, in order. Only plain `/pipeline` requests join:
 * transactions (`/multi-exec`), single commands and streams pass through untouched.
 *
 * Semantics are those of one Upstash pipeline: commands run in order, not atomically — exactly what
 * two separate pipelines sent back to back would do. A transport failure fails every caller in the
 * batch (each then applies its own fail policy; the breaker counts it once). A caller never waits
 * longer than `timeoutMs` in total: queueing counts against the same budget as the request itself.
 * As with any request that timed out, a caller that gave up may still see its commands run later.
 *
 * Runtimes that bind I/O to a request (workerd): the joined request is sent from the continuation of
 * one of its own callers, never by the request that freed the slot (which may end first and take
 * its fetches down with it — test/e2e/joined-pipelines.test.ts), and slots expire after the budget.
 * That caller is the batch's newest: every caller has the same budget, so the newest gives up last,
 * and a sender whose request has ended (timed out, answered degraded) takes down no one still waiting.
 */
import type { Requester, UpstashRequest, UpstashResponse } from "@upstash/redis";
import { withoutCommandEcho } from "./error-reply";

/**
 * The kit's caps on a joined request. Upstash's smallest request-size limit is 1 MB; 256 K characters
 * of arguments is at most 768 KB of UTF-8 plus JSON framing, and a lone pipeline over the caps still
 * goes out alone, as it would without joining.
 */
export const JOIN_CAPS = { maxCommands: 256, maxChars: 256 * 1024 } as const;

export interface CoalescingOptions {
  /** HTTP requests out at once before pipelines start queueing. */
  maxInFlight: number;
  /** Most commands in one joined request (Upstash caps request size; a cache write can be large). */
  maxCommands: number;
  /** Most characters of command arguments in one joined request (a cheap bound on the body size). */
  maxChars: number;
  /** A caller's whole budget, queueing included (the client's per-request timeout). */
  timeoutMs: number;
}

type PipelineReply = UpstashResponse<unknown>[];

interface Slot {
  readonly expires: number;
}

interface Turn {
  readonly batch: Waiting[];
  readonly slot: Slot;
}

interface Waiting {
  readonly commands: unknown[][];
  readonly chars: number;
  resolve(replies: PipelineReply): void;
  reject(error: unknown): void;
  /** Makes this caller the sender of `batch` on a taken slot; see `request`. */
  lead(turn: Turn): void;
  timer: ReturnType<typeof setTimeout>;
}

export class CoalescingRequester implements Requester {
  readonly #inner: Requester;
  readonly #options: CoalescingOptions;
  readonly #queue: Waiting[] = [];
  /**
   * When each HTTP request out expires. A slot is freed when its request settles, or at the latest
   * `timeoutMs` (+ slack) after it started: on workerd a fetch whose request has ended may never
   * settle, and a slot held forever would queue every later pipeline of the isolate.
   */
  readonly #slots = new Set<Slot>();

  constructor(inner: Requester, options: CoalescingOptions) {
    if (!(options.maxInFlight >= 1 && options.maxCommands >= 1 && options.maxChars >= 1 && options.timeoutMs > 0)) {
      throw new RangeError("coalescing: maxInFlight, maxCommands, maxChars and timeoutMs must be >= 1");
    }
    this.#inner = inner;
    this.#options = options;
  }

  // The client reads and writes these on its requester (read-your-writes sync token).
  get readYourWrites(): boolean | undefined {
    return this.#inner.readYourWrites;
  }
  set readYourWrites(value: boolean | undefined) {
    this.#inner.readYourWrites = value;
  }
  get upstashSyncToken(): string | undefined {
    return this.#inner.upstashSyncToken;
  }
  set upstashSyncToken(value: string | undefined) {
    this.#inner.upstashSyncToken = value;
  }

  request<TResult = unknown>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
    if (!isPlainPipeline(req)) return this.#inner.request<TResult>(req);
    const commands = req.body as unknown[][];
    if (this.#queue.length === 0 && this.#hasFreeSlot()) {
      return this.#transmit([commands], this.#takeSlot()).then(([replies]) => replies as unknown as UpstashResponse<TResult>);
    }
    return new Promise<PipelineReply>((resolve, reject) => {
      // The joined request is sent by one of its own callers, from that caller's `.then` registered
      // here: on workerd I/O belongs to the request that starts it and is cancelled when that request
      // ends, so it must never be started by whichever request happened to free the slot.
      let lead!: (turn: Turn) => void;
      void new Promise<Turn>((r) => (lead = r)).then((turn) => this.#sendBatch(turn));
      const waiting: Waiting = {
        commands,
        chars: argumentChars(commands),
        resolve,
        reject,
        lead,
        // Fires while queued or while riding a joined request; a settled promise ignores it.
        timer: setTimeout(() => {
          const at = this.#queue.indexOf(waiting);
          if (at !== -1) this.#queue.splice(at, 1);
          reject(new DOMException(`no reply within ${this.#options.timeoutMs} ms (queued behind other Redis requests)`, "TimeoutError"));
        }, this.#options.timeoutMs),
      };
      this.#queue.push(waiting);
      this.#drain();
    }) as unknown as Promise<UpstashResponse<TResult>>;
  }

  #hasFreeSlot(): boolean {
    const now = Date.now();
    for (const slot of this.#slots) if (slot.expires <= now) this.#slots.delete(slot);
    return this.#slots.size < this.#options.maxInFlight;
  }

  #takeSlot(): Slot {
    const slot = { expires: Date.now() + this.#options.timeoutMs + SLOT_SLACK_MS };
    this.#slots.add(slot);
    return slot;
  }

  /** Sends these pipelines as one HTTP request on a taken slot; resolves with each one's replies. */
  async #transmit(pipelines: unknown[][][], slot: Slot): Promise<PipelineReply[]> {
    try {
      const body = pipelines.length === 1 ? pipelines[0]! : pipelines.flat();
      const replies = (await this.#inner.request({ path: ["pipeline"], body }).catch((error: unknown) => {
        // A joined body holds other callers' keys and values: keep them out of this caller's error.
        throw pipelines.length === 1 ? error : withoutCommandEcho(error, `(${pipelines.length} callers' pipelines joined; commands not shown)`);
      })) as unknown as PipelineReply;
      if (!Array.isArray(replies) || replies.length !== body.length) {
        throw new TypeError(`pipeline of ${body.length} commands answered with ${Array.isArray(replies) ? replies.length : typeof replies} replies`);
      }
      const out: PipelineReply[] = [];
      let offset = 0;
      for (const p of pipelines) {
        out.push(replies.slice(offset, offset + p.length));
        offset += p.length;
      }
      return out;
    } finally {
      this.#slots.delete(slot);
      this.#drain();
    }
  }

  /** Runs in the leader's own continuation (see `request`). */
  #sendBatch({ batch, slot }: Turn): void {
    this.#transmit(
      batch.map((w) => w.commands),
      slot,
    ).then(
      (replies) => batch.forEach((w, i) => (clearTimeout(w.timer), w.resolve(replies[i]!))),
      (error: unknown) => batch.forEach((w) => (clearTimeout(w.timer), w.reject(error))),
    );
  }

  /** Hands what queued while every slot was busy to senders, as few joined requests as the caps allow. */
  #drain(): void {
    while (this.#queue.length > 0 && this.#hasFreeSlot()) {
      const batch: Waiting[] = [];
      let commands = 0;
      let chars = 0;
      while (this.#queue.length > 0) {
        const next = this.#queue[0]!;
        const fits = commands + next.commands.length <= this.#options.maxCommands && chars + next.chars <= this.#options.maxChars;
        if (batch.length > 0 && !fits) break;
        // Its timer keeps running: the budget covers the joined request too.
        this.#queue.shift();
        batch.push(next);
        commands += next.commands.length;
        chars += next.chars;
      }
      // The newest caller sends: its deadline is the batch's latest (see the header).
      batch.at(-1)!.lead({ batch, slot: this.#takeSlot() });
    }
  }
}

/** How long past its callers' budget a request that never settled keeps its slot. */
const SLOT_SLACK_MS = 100;

function isPlainPipeline(req: UpstashRequest): boolean {
  return req.path?.length === 1 && req.path[0] === "pipeline" && !req.headers && !req.onMessage && Array.isArray(req.body);
}

/** Characters in the commands' string arguments: a cheap stand-in for the JSON body's size. */
function argumentChars(commands: unknown[][]): number {
  let chars = 0;
  for (const command of commands) for (const arg of command) chars += typeof arg === "string" ? arg.length : 8;
  return chars;
}
