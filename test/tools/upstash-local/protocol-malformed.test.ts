/**
 * Malformed input (brief item 7): bad JSON, wrong shapes, nested arguments, oversized bodies and
 * raw protocol garbage all get a JSON 400/413 — and the server keeps serving afterwards.
 */
import { describe, expect, it } from "vitest";
import { connect } from "node:net";
import { uniquePrefix, upstashTarget } from "../../setup/redis";
import { post } from "./protocol-support";

const p = uniquePrefix("bad");
const t = () => upstashTarget();
const MIB = 1024 * 1024;

const BAD_BODIES: Array<[string, string, string]> = [
  ["not JSON", "/", "SET foo bar"],
  ["truncated JSON", "/pipeline", '[["SET","a"'],
  ["empty body", "/", ""],
  ["object instead of array", "/", "{}"],
  ["empty command", "/", "[]"],
  ["command name not a string", "/", "[1,2]"],
  ["empty command name", "/", '["", "x"]'],
  ["nested object argument", "/", '["SET","k",{"a":1}]'],
  ["nested array argument", "/", '["SET","k",["a"]]'],
  ["JSON null", "/", "null"],
  ["pipeline of empty command", "/pipeline", "[[]]"],
  ["empty pipeline", "/pipeline", "[]"],
  ["pipeline entry not an array", "/pipeline", '["GET","x"]'],
  ["pipeline entry with nested object", "/pipeline", '[["GET","x"],["SET","k",{"a":1}]]'],
  ["pipeline as object", "/pipeline", '{"0":["GET","x"]}'],
  ["transaction entry not an array", "/multi-exec", '[["SET","a",1],"INCR"]'],
  ["empty transaction", "/multi-exec", "[]"],
];

async function stillServes(count = 1): Promise<void> {
  const replies = await Promise.all(
    Array.from({ length: count }, (_, i) => post(t(), "/pipeline", [["SET", `${p}alive${i}`, i], ["GET", `${p}alive${i}`]])),
  );
  replies.forEach((r, i) => expect(r.json).toEqual([{ result: "OK" }, { result: String(i) }]));
}

describe("malformed requests", () => {
  it.each(BAD_BODIES)("%s -> 400 JSON error", async (_name, path, body) => {
    const res = await post(t(), path, body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: expect.stringMatching(/^ERR /) });
    expect(res.headers.get("content-type")).toBe("application/json");
  });

  it("runs nothing when any pipeline entry is malformed", async () => {
    await post(t(), "/pipeline", [["SET", `${p}partial`, 1], ["SET", "k", { a: 1 }]]);
    expect((await post(t(), "/", ["EXISTS", `${p}partial`])).json).toEqual({ result: 0 });
  });

  it("answers an 11 MiB body (Content-Length) with 413 JSON", async () => {
    const body = Buffer.alloc(11 * MIB, 0x61);
    const res = await post(t(), "/", body);
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: expect.stringContaining("larger than") });
    await stillServes();
  });

  it("answers an oversized chunked body with 413 JSON", async () => {
    const chunk = new Uint8Array(MIB).fill(0x61);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 11) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await fetch(t().url + "/pipeline", {
      method: "POST",
      headers: { authorization: `Bearer ${t().token}`, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: expect.stringContaining("larger than") });
    await stillServes();
  });

  it("rejects a bad percent-encoding in a subscribe path with 400", async () => {
    const res = await post(t(), "/subscribe/%E0%A4%A", []);
    expect(res.status).toBe(400);
  });

  it("survives raw HTTP garbage and half-sent requests on sockets", async () => {
    const { port, hostname } = new URL(t().url);
    const garbage = [
      "THIS IS NOT HTTP\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[\"PING\"",
      "POST /pipeline HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
      "\u0000\u0001\u0002\u00ff",
    ];
    await Promise.all(
      garbage.map(
        (payload) =>
          new Promise<void>((resolve) => {
            const socket = connect({ port: Number(port), host: hostname }, () => {
              socket.write(payload);
              setTimeout(() => socket.destroy(), 50);
            });
            socket.on("error", () => resolve());
            socket.on("close", () => resolve());
          }),
      ),
    );
    await stillServes();
  });

  it("keeps serving correctly after a burst of mixed garbage", async () => {
    const attempts = [];
    for (let i = 0; i < 50; i++) {
      const [, path, body] = BAD_BODIES[i % BAD_BODIES.length]!;
      attempts.push(post(t(), path, body));
    }
    const replies = await Promise.all(attempts);
    expect(replies.every((r) => r.status === 400)).toBe(true);
    await stillServes(100);
  });
});
