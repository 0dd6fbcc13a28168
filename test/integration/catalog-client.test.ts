// The catalog HTTP client against a real HTTP server: what it sends, how it classifies answers,
// timeouts and answers cut off, and that posts share a kept-alive connection.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CatalogClient } from "../../apps/catalog-notifier/catalog-client";
import { PermanentCatalogError, TransientError } from "../../apps/shared/util/errors";

const payload = { uri: "http://oam-tiles.s3.amazonaws.com/job-1/{z}/{x}/{y}.png", images: [{ uuid: "http://b.s3.amazonaws.com/job-1.tif" }] };

describe("CatalogClient", () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  async function serve(handler: http.RequestListener) {
    const server = http.createServer(handler);
    const connections: number[] = [];
    server.on("connection", () => connections.push(Date.now()));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections };
  }

  function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => resolve(body));
    });
  }

  it("posts the payload with the token to /tms, on one kept-alive connection", async () => {
    const seen: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }> = [];
    const { url, connections } = await serve(async (req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: await readBody(req) });
      res.writeHead(201, { "content-type": "application/json" }).end('{"ok":true}');
    });
    const client = new CatalogClient(url, "s3cret-token", 2000);
    expect(await client.post("job-1", payload)).toEqual({ status: 201 });
    expect(await client.post("job-2", payload)).toEqual({ status: 201 });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ method: "POST", url: "/tms" });
    expect(seen[0].headers).toMatchObject({ authorization: "Bearer s3cret-token", "content-type": "application/json" });
    expect(Number(seen[0].headers["content-length"])).toBe(Buffer.byteLength(seen[0].body));
    expect(JSON.parse(seen[0].body)).toEqual(payload);
    expect(connections).toHaveLength(1);
  });

  it("sends no Authorization header without a token", async () => {
    let headers: http.IncomingHttpHeaders = {};
    const { url } = await serve((req, res) => {
      headers = req.headers;
      req.resume();
      res.end();
    });
    expect(await new CatalogClient(url, undefined, 2000).post("job-1", payload)).toEqual({ status: 200 });
    expect(headers.authorization).toBeUndefined();
  });

  it("classifies 408, 429 and 5xx as transient, other 4xx as permanent with the answer kept (bounded, token removed)", async () => {
    const answers = [408, 429, 500, 503, 422];
    const { url } = await serve((req, res) => {
      req.resume();
      const status = answers.shift()!;
      res.writeHead(status).end(status === 422 ? `bad payload; you sent Bearer s3cret-token ${"x".repeat(5000)}` : "try later");
    });
    const client = new CatalogClient(url, "s3cret-token", 2000);
    for (const status of [408, 429, 500, 503]) {
      await expect(client.post("job-1", payload)).rejects.toThrow(new TransientError(`catalog answered HTTP ${status}`));
    }
    const err = await client.post("job-1", payload).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentCatalogError);
    const perm = err as PermanentCatalogError;
    expect(perm.status).toBe(422);
    expect(perm.responseBody.length).toBeLessThanOrEqual(2000);
    expect(perm.responseBody).toContain("bad payload");
    expect(perm.responseBody).not.toContain("s3cret-token");
  });

  it("gives up on a catalog that does not answer in time", async () => {
    const { url } = await serve((req) => req.resume()); // never answers
    const started = Date.now();
    await expect(new CatalogClient(url, "t", 300).post("job-1", payload)).rejects.toThrow(new TransientError("catalog timed out after 300 ms"));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("treats an answer cut off mid-body as transient", async () => {
    const { url } = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { "content-length": "1000" });
      res.write("partial");
      setImmediate(() => res.socket?.destroy());
    });
    await expect(new CatalogClient(url, "t", 2000).post("job-1", payload)).rejects.toThrow(TransientError);
  });

  it("fails at once when its signal aborts", async () => {
    const { url } = await serve((req) => req.resume());
    const abort = new AbortController();
    const pending = new CatalogClient(url, "t", 10_000).post("job-1", payload, abort.signal);
    setImmediate(() => abort.abort());
    await expect(pending).rejects.toThrow(new TransientError("catalog request failed"));
  });
});
