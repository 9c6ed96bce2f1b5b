// History: what fit returns — one array per logged figure (loss, valLoss, accuracy, valAccuracy, …),
// one entry per epoch, as Keras's History.history but reachable directly as properties.

/** The figures logged for one epoch: `loss`, `valLoss`, metric names and their `val` twins. */
export type Logs = Record<string, number>;

/**
 * The record of a fit. Each logged key becomes a property holding one number per epoch
 * (`history.loss[2]` is the third epoch's training loss); `epoch` holds the epoch indices (0-based,
 * as Keras). Keys appear only when logged: `valLoss` exists only with validation data.
 * @example const h = await train.fit(model, data, { loss: "mse", optimizer: "adam", epochs: 5 });
 *          console.log(h.loss.at(-1), h.toJSON());
 */
export class History {
  /** The epoch index of each entry. */
  readonly epoch: number[] = [];
  /** Why training ended before `epochs`, or null when it ran to the end (EarlyStopping, NaN, …). */
  stopReason: string | null = null;
  /** The logged keys in first-logged order. */
  private readonly order: string[] = [];

  /** Appends one epoch's figures. */
  record(epoch: number, logs: Logs): void {
    const self = this as unknown as Record<string, number[]>;
    for (const key of Object.keys(logs)) {
      if (!this.order.includes(key)) {
        if (key in this && !Object.hasOwn(this, key)) continue; // never shadow a method ("toJSON")
        if (key === "epoch" || key === "stopReason" || key === "order") continue;
        this.order.push(key);
        // Epochs recorded before this key appeared get NaN so every array lines up with `epoch`.
        self[key] = this.epoch.map(() => NaN);
      }
    }
    this.epoch.push(epoch);
    for (const key of this.order) self[key].push(key in logs ? logs[key] : NaN);
  }

  /**
   * The logged keys ("loss", "accuracy", "valLoss", "valAccuracy", …).
   * @example (await train.fit(model, { x, y }, { loss: "mse", epochs: 3, validationSplit: 0.2 })).keys()  // ["loss", "valLoss", "lr"]
   */
  keys(): string[] {
    return [...this.order];
  }

  /**
   * One array of per-epoch values for a key (undefined when never logged).
   * @example history.get("valLoss")  // one value per epoch
   */
  get(key: string): number[] | undefined {
    return this.order.includes(key) ? (this as unknown as Record<string, number[]>)[key] : undefined;
  }

  /**
   * The figures of one epoch (by position in the record; -1 for the last).
   * @example history.at(-1).loss  // the last epoch's training loss
   */
  at(index: number): Logs {
    const i = index < 0 ? this.epoch.length + index : index;
    const out: Logs = {};
    for (const key of this.order) out[key] = (this as unknown as Record<string, number[]>)[key][i];
    return out;
  }

  /** The number of epochs recorded. */
  get length(): number {
    return this.epoch.length;
  }

  /**
   * A plain object `{ epoch, loss, valLoss, …, stopReason }` for JSON.stringify.
   * @example io.writeFileAtomic("history.json", JSON.stringify(history));
   */
  toJSON(): Record<string, number[] | string | null> {
    const out: Record<string, number[] | string | null> = { epoch: [...this.epoch] };
    for (const key of this.order) out[key] = [...(this.get(key) as number[])];
    out.stopReason = this.stopReason;
    return out;
  }
}

export namespace History {
  /**
   * Rebuilds a History from toJSON()'s output (e.g. the `history` a checkpoint stores).
   * @example const history = train.History.fromJSON(io.loadCheckpoint("ckpt.safetensors", { model }).history);
   */
  export function fromJSON(json: unknown): History {
    const h = new History();
    if (json === null || typeof json !== "object" || !Array.isArray((json as { epoch?: unknown }).epoch)) return h;
    const obj = json as Record<string, unknown>;
    const epochs = obj.epoch as number[];
    const keys = Object.keys(obj).filter((k) => k !== "epoch" && k !== "stopReason" && Array.isArray(obj[k]));
    epochs.forEach((e, i) => {
      const logs: Logs = {};
      for (const k of keys) logs[k] = Number((obj[k] as unknown[])[i]);
      h.record(e, logs);
    });
    h.stopReason = typeof obj.stopReason === "string" ? obj.stopReason : null;
    return h;
  }
}

/** History with its logged keys typed as number arrays, as fit returns it. */
export type FitHistory = History & { readonly [key: string]: number[] };
