// `tensorgrad train --dashboard [port]`: a page on 127.0.0.1 whose loss, metric and learning-rate
// charts follow the run epoch by epoch. The page gets the epochs so far when it connects and each
// new one as a server-sent event; when training ends the server says so, closes the streams and
// stops. Three fixed routes, nothing read from disk per request, and a content security policy that
// lets the page run only its own script.

import { createServer, type ServerResponse } from "node:http";
import { train } from "../../src/index.js";
import { CliError } from "../errors.js";
import { DASHBOARD_HTML, DASHBOARD_JS } from "./page.js";

/** What the page shows above the charts. */
export interface DashboardInfo {
  run: string;
  model: string;
  data: string;
  epochs: number;
  /** "accuracy" for classification, "mae" for regression: the second chart. */
  metric: string;
}

const HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
};

export class Dashboard extends train.Callback {
  private readonly records: Record<string, number>[];
  private readonly streams = new Set<ServerResponse>();
  private state: "training" | "finished" | "stopped" = "training";
  private constructor(
    private readonly info: DashboardInfo,
    initial: Record<string, number>[],
    private readonly server: ReturnType<typeof createServer>,
    readonly url: string,
  ) {
    super();
    this.records = [...initial];
  }

  /** Starts serving on `host`:`port` (0: any free port). */
  static async start(info: DashboardInfo, initial: Record<string, number>[], port: number, host = "127.0.0.1"): Promise<Dashboard> {
    let dashboard: Dashboard | null = null;
    const server = createServer((req, res) => dashboard?.handle(req.method ?? "GET", (req.url ?? "/").split("?")[0]!, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) =>
        reject(
          new CliError(
            `--dashboard: cannot listen on ${host}:${port}: ${e.code === "EADDRINUSE" ? "the port is in use (give another: --dashboard 8091)" : e.message}`,
          ),
        ),
      );
      server.listen(port, host, resolve);
    });
    const bound = (server.address() as { port: number }).port;
    dashboard = new Dashboard(info, initial, server, `http://${host}:${bound}/`);
    return dashboard;
  }

  private handle(method: string, path: string, res: ServerResponse): void {
    if (method !== "GET" && method !== "HEAD") {
      res.writeHead(405, { ...HEADERS, "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    if (path === "/" || path === "/index.html")
      res.writeHead(200, { ...HEADERS, "content-type": "text/html; charset=utf-8" }).end(method === "HEAD" ? undefined : DASHBOARD_HTML);
    else if (path === "/dashboard.js")
      res
        .writeHead(200, { ...HEADERS, "content-type": "text/javascript; charset=utf-8" })
        .end(method === "HEAD" ? undefined : DASHBOARD_JS);
    else if (path === "/events") this.subscribe(res);
    else res.writeHead(404, { ...HEADERS, "content-type": "text/plain" }).end("not found\n");
  }

  private subscribe(res: ServerResponse): void {
    res.writeHead(200, { ...HEADERS, "content-type": "text/event-stream; charset=utf-8", connection: "keep-alive" });
    send(res, "info", this.info);
    for (const r of this.records) send(res, "epoch", r);
    if (this.state !== "training") {
      send(res, "done", { state: this.state });
      res.end();
      return;
    }
    this.streams.add(res);
    res.on("close", () => this.streams.delete(res));
  }

  override onEpochEnd(epoch: number, logs: train.Logs): void {
    const record = { epoch: epoch + 1, ...logs };
    this.records.push(record);
    for (const res of this.streams) send(res, "epoch", record);
  }

  /** Tells the pages training has ended, then stops serving. */
  async close(state: "finished" | "stopped"): Promise<void> {
    this.state = state;
    for (const res of this.streams) {
      send(res, "done", { state });
      res.end();
    }
    this.streams.clear();
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/** One server-sent event; JSON never holds a raw newline, so one data line carries it. */
function send(res: ServerResponse, event: string, data: unknown): void {
  // NaN and Infinity (a diverged loss) are not JSON: sent as null, drawn as a gap.
  res.write(`event: ${event}\ndata: ${JSON.stringify(data, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))}\n\n`);
}
